package awsquery

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"

	"github.com/gatehouse-iam/gatehouse/awserr"
	"github.com/gatehouse-iam/gatehouse/protocol"
)

// XML namespaces of the query APIs.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// WriteResult writes a successful response: <ActionResponse> with the
// output in <ActionResult> (omitted for outputs without fields) and the
// request id in <ResponseMetadata>.
func WriteResult(w http.ResponseWriter, namespace, action, requestID string, out any) error {
	var b bytes.Buffer
	b.WriteString(`<` + action + `Response xmlns="` + namespace + `">`)
	if out != nil && hasFields(out) {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
	}
	b.WriteString(`<ResponseMetadata><RequestId>`)
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString(`</RequestId></ResponseMetadata></` + action + `Response>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(b.Bytes())
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
	xml.EscapeText(&b, []byte(e.Code))
	b.WriteString(`</Code><Message>`)
	xml.EscapeText(&b, []byte(e.Message))
	b.WriteString(`</Message></Error><RequestId>`)
	xml.EscapeText(&b, []byte(requestID))
	b.WriteString(`</RequestId></ErrorResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(protocol.Status(e.Code, e.Server))
	_, _ = w.Write(b.Bytes())
}
