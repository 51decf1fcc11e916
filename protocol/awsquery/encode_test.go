package awsquery

import (
	"bytes"
	"encoding/xml"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-iam/gatehouse/awserr"
)

type userResult struct {
	User struct {
		UserName string
		Tags     []struct{ Key, Value string } `xml:"Tags>member"`
	}
}

type keyResult struct {
	AccessKey struct{ AccessKeyId, Status string }
}

// TestWriteResultReusesItsScratch: responses written one after another
// (through the pooled encoder and buffer, including after an output that
// cannot be encoded) are each exactly the document written alone.
func TestWriteResultReusesItsScratch(t *testing.T) {
	var u userResult
	u.User.UserName = "alice & bob"
	u.User.Tags = []struct{ Key, Value string }{{"team", "<live>"}}
	k := keyResult{}
	k.AccessKey.AccessKeyId, k.AccessKey.Status = "AKIAEXAMPLE", "Active"
	write := func(action string, out any) (string, error) {
		w := httptest.NewRecorder()
		err := WriteResult(w, IAMNamespace, action, "req-1", out)
		return w.Body.String(), err
	}
	const wantUser = `<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><UserName>alice &amp; bob</UserName><Tags><member><Key>team</Key><Value>&lt;live&gt;</Value></member></Tags></User></GetUserResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetUserResponse>`
	const wantKey = `<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateAccessKeyResult><AccessKey><AccessKeyId>AKIAEXAMPLE</AccessKeyId><Status>Active</Status></AccessKey></CreateAccessKeyResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateAccessKeyResponse>`
	for i, tc := range []struct {
		action string
		out    any
		want   string
	}{
		{"GetUser", &u, wantUser},
		{"CreateAccessKey", &k, wantKey},
		{"Broken", &struct{ C chan int }{}, ""},
		{"GetUser", &u, wantUser},
		{"CreateAccessKey", &k, wantKey},
	} {
		got, err := write(tc.action, tc.out)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%d %s: no error for an output XML cannot hold", i, tc.action)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%d %s: %v\n got %s\nwant %s", i, tc.action, err, got, tc.want)
		}
	}
}

// TestWriteErrorEscapes: an error's code, message and request id are
// escaped as encoding/xml escapes character data, invalid UTF-8 included.
func TestWriteErrorEscapes(t *testing.T) {
	for _, s := range []string{"plain-1", `a <b> & "c" 'd'`, "tab\tnew\nline\r", "bad \xff utf-8", "\x00control"} {
		w := httptest.NewRecorder()
		WriteError(w, IAMNamespace, s, &awserr.Error{Code: s, Message: s})
		var esc bytes.Buffer
		_ = xml.EscapeText(&esc, []byte(s))
		e := esc.String()
		want := `<ErrorResponse xmlns="` + IAMNamespace + `"><Error><Type>Sender</Type><Code>` + e + `</Code><Message>` + e +
			`</Message></Error><RequestId>` + e + `</RequestId></ErrorResponse>`
		if got := w.Body.String(); got != want {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want)
		}
	}
}
