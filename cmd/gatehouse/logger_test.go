package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	tests := []struct {
		name, format, level string
		wantErr             string
		wantJSON            bool
		debugShown          bool
	}{
		{"text", "text", "info", "", false, false},
		{"json", "json", "debug", "", true, true},
		{"bad format", "xml", "info", "--log-format", false, false},
		{"bad level", "text", "loud", "--log-level", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := newLogger(&buf, tc.format, tc.level)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Debug("quiet", "request_id", "r-1")
			log.Info("request", "request_id", "r-2")
			out := buf.String()
			if strings.Contains(out, "quiet") != tc.debugShown {
				t.Errorf("debug line shown = %v, want %v:\n%s", !tc.debugShown, tc.debugShown, out)
			}
			last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
			var obj map[string]any
			isJSON := json.Unmarshal([]byte(last), &obj) == nil
			if isJSON != tc.wantJSON || !strings.Contains(last, "r-2") {
				t.Errorf("line %q: JSON %v, want %v", last, isJSON, tc.wantJSON)
			}
		})
	}
}
