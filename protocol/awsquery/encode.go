package awsquery

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"
	"sync"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol"
)

// XML namespaces of the query APIs.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// resultWriter is the scratch of WriteResult, kept between responses: the
// document's buffer, and an xml.Encoder that writes into it (NewEncoder
// allocates a 4 KiB buffered writer each time, a fifth of what a small
// request allocated).
type resultWriter struct {
	b   bytes.Buffer
	enc *xml.Encoder
}

var resultWriters = sync.Pool{New: func() any {
	rw := &resultWriter{}
	rw.enc = xml.NewEncoder(&rw.b)
	return rw
}}

// textXML is the Content-Type of results, shared by all of them (nothing
// modifies a header's values once set).
var textXML = []string{"text/xml"}

// maxPooledResult bounds the buffer a resultWriter keeps.
const maxPooledResult = 64 << 10

// WriteResult writes a successful response: <ActionResponse> with the
// output in <ActionResult> (omitted for outputs without fields) and the
// request id in <ResponseMetadata>.
func WriteResult(w http.ResponseWriter, namespace, action, requestID string, out any) error {
	rw := resultWriters.Get().(*resultWriter)
	b := &rw.b
	b.Reset()
	b.WriteByte('<')
	b.WriteString(action)
	b.WriteString(`Response xmlns="`)
	b.WriteString(namespace)
	b.WriteString(`">`)
	if out != nil && hasFields(out) {
		fast, err := encodeElement(b, out, action, "Result")
		if !fast {
			err = rw.enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
			if err == nil {
				err = rw.enc.Flush()
			}
		}
		if err != nil {
			// Not pooled: the encoder may hold part of an element.
			return err
		}
	}
	b.WriteString(`<ResponseMetadata><RequestId>`)
	escapeXMLString(b, requestID)
	b.WriteString(`</RequestId></ResponseMetadata></`)
	b.WriteString(action)
	b.WriteString(`Response>`)
	h := w.Header()
	h["Content-Type"] = textXML
	// Set in canonical form: Header.Set would canonicalize the name,
	// allocating, on every response.
	h["X-Amzn-Requestid"] = []string{requestID}
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
	if b.Cap() <= maxPooledResult {
		resultWriters.Put(rw)
	}
	return err
}

func hasFields(v any) bool {
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() != reflect.Struct || t.NumField() > 0
}

// WriteError writes AWS's query-protocol error document.
func WriteError(w http.ResponseWriter, namespace, requestID string, e *awserr.Error) {
	var b bytes.Buffer
	typ := "Sender"
	if e.Server {
		typ = "Receiver"
	}
	b.WriteString(`<ErrorResponse xmlns="` + namespace + `"><Error><Type>` + typ + `</Type><Code>`)
	escapeXMLString(&b, e.Code)
	b.WriteString(`</Code><Message>`)
	escapeXMLString(&b, e.Message)
	b.WriteString(`</Message></Error><RequestId>`)
	escapeXMLString(&b, requestID)
	b.WriteString(`</RequestId></ErrorResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(protocol.Status(e.Code, e.Server))
	_, _ = w.Write(b.Bytes())
}
