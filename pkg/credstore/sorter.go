package credstore

// CredType says which credential monitor manages an OAuth service
// (HTCondor's CredSorter).
type CredType int

// Credential-monitor types (CredSorter::CredType).
const (
	UnknownType CredType = iota
	OAuth2Type
	LocalIssuerType
	LocalClientType
	VaultType
	PelicanType
)

// CredSorter decides which credmon, if any, manages an OAuth service name.
// credentials.md §6.2 rule 3: an add without NeedRefresh and without a
// Vault token is stored as ".top" exactly when a credmon manages the
// service. The fields are the parsed configuration (the caller reads the
// knobs):
type CredSorter struct {
	// LocalNames is LOCAL_CREDMON_PROVIDER_NAMES, else
	// LOCAL_CREDMON_PROVIDER_NAME (default "scitokens").
	LocalNames []string
	// ClientNames is CLIENT_CREDMON_PROVIDER_NAMES.
	ClientNames []string
	// OAuth2Names is OAUTH2_CREDMON_PROVIDER_NAMES; empty (unset or "*")
	// means the OAuth2 credmon claims every service with a
	// <service>_CLIENT_ID knob.
	OAuth2Names []string
	// VaultNames is VAULT_CREDMON_PROVIDER_NAMES; with VaultEnabled and
	// empty (set to "*", or only SEC_CREDENTIAL_STORER set) the Vault
	// credmon claims every service without a <service>_CLIENT_ID knob.
	VaultNames []string
	// VaultEnabled is true when VAULT_CREDMON_PROVIDER_NAMES or
	// SEC_CREDENTIAL_STORER is set.
	VaultEnabled bool
	// PelicanNames is PELICAN_CREDMON_PROVIDER_NAMES (no wildcard).
	PelicanNames []string
	// ClientIDDefined reports whether the knob <service>_CLIENT_ID is set;
	// nil means never.
	ClientIDDefined func(service string) bool
}

// DefaultCredSorter is the sorter of an unconfigured pool: only the local
// issuer "scitokens" is managed.
func DefaultCredSorter() *CredSorter {
	return &CredSorter{LocalNames: []string{"scitokens"}}
}

// Sort returns the credmon type managing service (CredSorter::Sort): exact
// name lists first (local issuer, local client, OAuth2, Vault, Pelican),
// then the OAuth2 and Vault wildcards.
func (c *CredSorter) Sort(service string) CredType {
	lists := []struct {
		names []string
		t     CredType
	}{
		{c.LocalNames, LocalIssuerType},
		{c.ClientNames, LocalClientType},
		{c.OAuth2Names, OAuth2Type},
		{c.VaultNames, VaultType},
		{c.PelicanNames, PelicanType},
	}
	for _, l := range lists {
		for _, n := range l.names {
			if n == service {
				return l.t
			}
		}
	}
	clientID := c.ClientIDDefined != nil && c.ClientIDDefined(service)
	if len(c.OAuth2Names) == 0 && clientID {
		return OAuth2Type
	}
	if c.VaultEnabled && len(c.VaultNames) == 0 && !clientID {
		return VaultType
	}
	return UnknownType
}
