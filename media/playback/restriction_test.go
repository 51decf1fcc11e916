package playback

import "testing"

func TestRestrictionPolicyCheck(t *testing.T) {
	t.Parallel()
	geo := &RestrictionPolicy{AllowedCountries: []string{"US", "CA"}}
	origins := &RestrictionPolicy{AllowedOrigins: []string{"https://a.test", "https://*.b.test"}}
	strict := &RestrictionPolicy{AllowedOrigins: []string{"https://a.test"}, EnableStrictOriginEnforcement: true}
	strictAll := &RestrictionPolicy{EnableStrictOriginEnforcement: true}

	tests := []struct {
		name            string
		p               *RestrictionPolicy
		country, origin string
		fetch           Fetch
		wantErr         error
		alsoOrigin      bool // the error also wraps ErrOriginNotAllowed
	}{
		{name: "nil policy", p: nil, country: "FR", origin: "https://x.test"},
		{name: "empty policy", p: &RestrictionPolicy{}, origin: "https://x.test"},
		{name: "country allowed", p: geo, country: "US"},
		{name: "country lower case", p: geo, country: "us"},
		{name: "country refused", p: geo, country: "FR", wantErr: ErrRestricted},
		{name: "country unknown", p: geo, wantErr: ErrRestricted},
		{name: "country refused on media too", p: geo, country: "FR", fetch: FetchMedia, wantErr: ErrRestricted},
		{name: "origin allowed", p: origins, origin: "https://a.test"},
		{name: "origin wildcard", p: origins, origin: "https://tv.b.test"},
		{name: "origin refused", p: origins, origin: "https://c.test", wantErr: ErrRestricted, alsoOrigin: true},
		{name: "no Origin, not strict", p: origins},
		{name: "media request, not strict", p: origins, origin: "https://c.test", fetch: FetchMedia},
		{name: "strict, no Origin", p: strict, wantErr: ErrRestricted, alsoOrigin: true},
		{name: "strict, media, wrong Origin", p: strict, origin: "https://c.test", fetch: FetchMedia, wantErr: ErrRestricted, alsoOrigin: true},
		{name: "strict, media, right Origin", p: strict, origin: "https://a.test", fetch: FetchMedia},
		{name: "strict, all origins, no Origin", p: strictAll, wantErr: ErrRestricted, alsoOrigin: true},
		{name: "strict, all origins, any Origin", p: strictAll, origin: "https://z.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.p.Check(tc.country, tc.origin, tc.fetch)
			assertErr(t, err, tc.wantErr, "")
			if tc.alsoOrigin {
				assertErr(t, err, ErrOriginNotAllowed, "")
			}
		})
	}
}
