package policy

// The service catalog: what the Service Authorization Reference says about
// the actions Gatehouse serves, for Lint. Evaluation does not use it: IAM
// accepts unknown action names, and so do we.

// keySet is a set of service-supported condition keys.
type keySet uint8

const (
	keyRequestTag  keySet = 1 << iota // aws:RequestTag/${TagKey}
	keyResourceTag                    // aws:ResourceTag/${TagKey}
	keyTagKeys                        // aws:TagKeys
)

// tagKeys reports which tag condition key a key name is, if any.
func tagKeys(lowerKey string) keySet {
	switch {
	case len(lowerKey) > len("aws:requesttag/") && lowerKey[:len("aws:requesttag/")] == "aws:requesttag/":
		return keyRequestTag
	case len(lowerKey) > len("aws:resourcetag/") && lowerKey[:len("aws:resourcetag/")] == "aws:resourcetag/":
		return keyResourceTag
	case lowerKey == "aws:tagkeys":
		return keyTagKeys
	}
	return 0
}

// ivsActions maps each low-latency IVS action (lower-cased) to the tag
// condition keys it supports.
var ivsActions = map[string]keySet{
	"batchgetchannel":                   keyResourceTag,
	"batchgetstreamkey":                 keyResourceTag,
	"batchstartviewersessionrevocation": keyResourceTag,
	"createadconfiguration":             keyRequestTag | keyResourceTag | keyTagKeys,
	"createchannel":                     keyRequestTag | keyResourceTag | keyTagKeys,
	"createplaybackrestrictionpolicy":   keyRequestTag | keyResourceTag | keyTagKeys,
	"createrecordingconfiguration":      keyRequestTag | keyResourceTag | keyTagKeys,
	"createstreamkey":                   keyRequestTag | keyResourceTag | keyTagKeys,
	"deleteadconfiguration":             keyResourceTag,
	"deletechannel":                     keyResourceTag,
	"deleteplaybackkeypair":             keyResourceTag,
	"deleteplaybackrestrictionpolicy":   keyResourceTag,
	"deleterecordingconfiguration":      keyResourceTag,
	"deletestreamkey":                   keyResourceTag,
	"getadconfiguration":                keyResourceTag,
	"getchannel":                        keyResourceTag,
	"getplaybackkeypair":                keyResourceTag,
	"getplaybackrestrictionpolicy":      keyResourceTag,
	"getrecordingconfiguration":         keyResourceTag,
	"getstream":                         keyResourceTag,
	"getstreamkey":                      keyResourceTag,
	"getstreamsession":                  keyResourceTag,
	"importplaybackkeypair":             keyRequestTag | keyResourceTag | keyTagKeys,
	"insertadbreak":                     keyResourceTag,
	"listadconfigurations":              0,
	"listchannels":                      keyResourceTag,
	"listplaybackkeypairs":              keyResourceTag,
	"listplaybackrestrictionpolicies":   0,
	"listrecordingconfigurations":       keyResourceTag,
	"liststreamkeys":                    keyResourceTag,
	"liststreamsessions":                keyResourceTag,
	"liststreams":                       keyResourceTag,
	"listtagsforresource":               keyRequestTag | keyResourceTag | keyTagKeys,
	"putmetadata":                       keyResourceTag,
	"startviewersessionrevocation":      keyResourceTag,
	"stopstream":                        keyResourceTag,
	"tagresource":                       keyRequestTag | keyResourceTag | keyTagKeys,
	"untagresource":                     keyResourceTag | keyTagKeys,
	"updateadconfiguration":             0,
	"updatechannel":                     keyResourceTag,
	"updateplaybackrestrictionpolicy":   keyResourceTag,
}

// multiValuedKeys are the global condition keys that carry a list.
var multiValuedKeys = map[string]bool{
	"aws:tagkeys":           true,
	"aws:calledvia":         true,
	"aws:principalorgpaths": true,
}
