package config

import "sort"

// Default is one entry of the built-in defaults table: the value a knob has
// when no configuration source sets it.
type Default struct {
	// Name is the knob's canonical spelling.
	Name string
	// Value is the raw default; it may reference other knobs ($(ETC) ...).
	// An empty Value means "known but unset": Get reports it as undefined,
	// exactly like HTCondor's param() for an empty param-table default.
	Value string
	// Type is "string", "path", "bool" or "int" (informative).
	Type string
	// Origin is "param" when the value comes from HTCondor's param table
	// (src/condor_utils/param_info.in, 25.14.0) and "code" when HTCondor has
	// no table entry and the value is the default hard-coded where the knob
	// is read (the spec section is given in Doc). condor_config_val reports
	// "code" knobs as not defined; the tools behave as if they had this value.
	Origin string
	// Doc says what the knob is for.
	Doc string
}

// defaultsList is the built-in defaults table for every knob condor-auth
// reads (tokens.md §2 and §5.1, cedar.md §4–§6, credentials.md).
//
// Deliberately absent (no default, HTCondor leaves them undefined):
// CONDOR_HOST, CONDOR_IDS, SEC_CREDENTIAL_DIRECTORY_OAUTH,
// SEC_CREDENTIAL_DIRECTORY_KRB (credentials.md §6.2/§6.3: unset →
// FAILURE_CONFIG_ERROR), SEC_KNOWN_HOSTS, every ALLOW_<PERM>/DENY_<PERM>
// except ALLOW_CLIENT, and the per-permission security levels
// SEC_<PERM>_AUTHENTICATION/ENCRYPTION/INTEGRITY/NEGOTIATION/CRYPTO_METHODS/
// SESSION_DURATION/SESSION_LEASE. The latter must stay undefined so that
// SecSetting can walk SEC_CLIENT_X → SEC_DEFAULT_X; their code defaults are
// listed in SecCodeDefaults. TILDE, HOSTNAME, FULL_HOSTNAME, USERNAME and the
// other detected macros are inserted by Load (see detected.go).
var defaultsList = []Default{
	// Directories (param_info.in; packages set LOCAL_DIR=/var and ETC=/etc/condor).
	{"RELEASE_DIR", "/usr", "string", "param", "installation prefix"},
	{"LOCAL_DIR", "$(TILDE)", "string", "param", "machine-local state directory; ~condor by default"},
	{"ETC", "$(LOCAL_DIR)", "path", "param", "configuration and key directory (tokens.md §5.1)"},
	{"LOG", "$(LOCAL_DIR)/log", "path", "param", "log and address-file directory"},
	{"SPOOL", "$(LOCAL_DIR)/spool", "path", "param", "schedd spool directory"},
	{"EXECUTE", "$(LOCAL_DIR)/execute", "path", "param", "job sandbox directory"},
	{"LOCK", "$(LOG)", "string", "param", "lock-file directory"},
	{"RUN", "$(LOCK)", "path", "param", "runtime directory"},
	{"BIN", "$(RELEASE_DIR)/bin", "path", "param", "user programs"},
	{"SBIN", "$(RELEASE_DIR)/sbin", "path", "param", "daemons and admin programs"},
	{"LIB", "$(RELEASE_DIR)/lib", "path", "param", "libraries"},
	{"LIBEXEC", "$(RELEASE_DIR)/libexec", "string", "param", "helper programs"},

	// Configuration sources.
	{"LOCAL_CONFIG_FILE", "", "string", "param", "list of further configuration files, read in order"},
	{"LOCAL_CONFIG_DIR", "", "string", "param", "list of directories whose files are read in name order"},
	{"LOCAL_CONFIG_DIR_EXCLUDE_REGEXP", `^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|(.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$`, "string", "param",
		"file names skipped in LOCAL_CONFIG_DIR, tokens.d and passwords.d (tokens.md §5.1)"},
	{"REQUIRE_LOCAL_CONFIG_FILE", "true", "bool", "param", "a missing LOCAL_CONFIG_FILE/LOCAL_CONFIG_DIR file is an error"},
	{"USER_CONFIG_FILE", "user_config", "string", "param", "per-user file ~/.condor/<name>, read by non-root processes"},

	// Host and domain names.
	{"FULL_HOSTNAME", "", "string", "param", "fully qualified host name (detected)"},
	{"HOSTNAME", "", "string", "param", "short host name (detected)"},
	{"NETWORK_HOSTNAME", "", "string", "param", "overrides the detected host name"},
	{"DEFAULT_DOMAIN_NAME", "", "string", "param", "domain appended to a host name without a dot"},
	{"UID_DOMAIN", "$(FULL_HOSTNAME)", "string", "param", "domain of user identities (user@UID_DOMAIN)"},
	{"FILESYSTEM_DOMAIN", "$(FULL_HOSTNAME)", "string", "param", "shared file system domain"},
	{"TRUST_DOMAIN", "$(UID_DOMAIN)", "string", "param", "token issuer name, `iss` (tokens.md §2, §6.4)"},

	// Locating daemons (cedar.md §6).
	{"COLLECTOR_HOST", "$(CONDOR_HOST)", "string", "param", "collector(s) of the pool, comma/space list"},
	{"COLLECTOR_PORT", "9618", "int", "param", "collector port when COLLECTOR_HOST has none"},
	{"NETWORK_INTERFACE", "*", "string", "param", "interface daemons bind to"},
	{"BIND_ALL_INTERFACES", "true", "bool", "param", "daemons listen on every interface"},
	{"ENABLE_IPV4", "auto", "string", "param", "use IPv4"},
	{"ENABLE_IPV6", "auto", "string", "param", "use IPv6"},
	{"USE_SHARED_PORT", "true", "bool", "param", "daemons sit behind condor_shared_port (cedar.md §6.8)"},
	{"SHARED_PORT_PORT", "$(COLLECTOR_PORT)", "int", "param", "port of condor_shared_port"},
	{"SHARED_PORT_DEFAULT_ID", "", "string", "param", "shared-port id that receives non-shared-port connections"},
	{"SHARED_PORT_DAEMON_AD_FILE", "$(LOCK)/shared_port_ad", "string", "param", "shared-port daemon ad file"},
	{"DAEMON_SOCKET_DIR", "auto", "string", "param", "directory of shared-port Unix sockets"},
	{"DAEMON_LIST", "MASTER", "string", "param", "daemons the master runs (ROLE metaknobs append to it)"},
	{"USE_SUPER_PORT", "false", "bool", "code", "tools read <SUBSYS>_SUPER_ADDRESS_FILE (cedar.md §6.2)"},
	{"MASTER_ADDRESS_FILE", "$(LOG)/.master_address", "path", "param", "master address file (cedar.md §6.3)"},
	{"MASTER_DAEMON_AD_FILE", "", "string", "param", "master daemon ad file"},
	{"MASTER_NAME", "", "string", "param", "name of the local master"},
	{"COLLECTOR_ADDRESS_FILE", "$(LOG)/.collector_address", "path", "param", "collector address file"},
	{"COLLECTOR_SUPER_ADDRESS_FILE", "$(LOG)/.collector_address.super", "path", "param", "collector super-user address file"},
	{"SCHEDD_ADDRESS_FILE", "$(SPOOL)/.schedd_address", "path", "param", "schedd address file"},
	{"SCHEDD_SUPER_ADDRESS_FILE", "$(SPOOL)/.schedd_address.super", "path", "param", "schedd super-user address file"},
	{"SCHEDD_DAEMON_AD_FILE", "$(SPOOL)/.schedd_classad", "string", "param", "schedd daemon ad file"},
	{"STARTD_ADDRESS_FILE", "$(LOG)/.startd_address", "path", "param", "startd address file"},
	{"STARTD_NAME", "", "string", "param", "name of the local startd"},
	{"CREDD_ADDRESS_FILE", "$(LOG)/.credd_address", "path", "param", "credd address file"},

	// Credentials (credentials.md).
	{"CREDD_HOST", "", "string", "param", "credd that condor_store_cred talks to (credentials.md §4.2)"},
	{"CRED_SUPER_USERS", "", "string", "param", "users who may store credentials for others (credentials.md §5.5)"},
	{"CREDD_OAUTH_MODE", "true", "bool", "param", "legacy STORE_CRED payloads are OAuth (credentials.md §5.2)"},
	{"CREDD_POLLING_TIMEOUT", "20", "int", "param", "seconds to wait for the credmon (credentials.md §5.6)"},
	{"TRUSTED_VAULT_HOSTS", "", "string", "param", "Vault hosts trusted for OAuth credentials"},
	{"SEC_CREDENTIAL_SWEEP_DELAY", "3600", "int", "param", "seconds before unused credentials are swept"},
	{"SEC_CREDENTIAL_SWEEP_INTERVAL", "300", "int", "param", "credential sweep period"},
	{"SEC_CREDENTIAL_REFRESH_INTERVAL", "-1", "int", "param", "credential refresh period"},

	// Authorization and authentication methods (cedar.md §4–§5).
	{"ALLOW_CLIENT", "*", "string", "param", "servers a client accepts"},
	{"LEGACY_ALLOW_SEMANTICS", "false", "bool", "code", "pre-9.0 DAEMON→WRITE config inheritance (SecSetting)"},
	{"CERTIFICATE_MAPFILE", "", "string", "param", "authentication map file (not applied to IDTOKENS)"},
	{"SEC_DEFAULT_AUTHENTICATION_METHODS", "FS,IDTOKENS,KERBEROS,SCITOKENS,SSL", "string", "param",
		"method list of every permission level (param_info.cpp SEC_STD_AUTH_METHOD_NAMES, Linux build; cedar.md §4.3)"},
	{"SEC_DEFAULT_AUTHENTICATION_TIMEOUT", "20", "int", "param", "seconds allowed for authentication"},
	{"SEC_TCP_SESSION_TIMEOUT", "20", "int", "param", "seconds allowed for the security handshake"},
	{"SEC_SESSION_DURATION_SLOP", "20", "int", "param", "extra server-side session lifetime (cedar.md §4.12)"},
	{"SEC_USE_FAMILY_SESSION", "true", "bool", "param", "daemons of one master share a session"},
	{"SEC_USE_LOW_DATA_MODE", "false", "bool", "param", "refuse multi-packet messages before authentication (cedar.md §1.2)"},
	{"SEC_DEBUG_PRINT_KEYS", "false", "bool", "param", "log session keys"},
	{"SEC_ENABLE_RESUME_SERVER_RESPONSE", "true", "bool", "code", "server answers resume requests (cedar.md §4.12)"},
	{"SEC_FS_ENFORCE_CHANNEL_BINDING", "true", "bool", "code", "FS channel binding (cedar.md §5.6)"},
	{"SEC_CLAIMTOBE_USER", "", "string", "param", "CLAIMTOBE identity"},
	{"SEC_CLAIMTOBE_INCLUDE_DOMAIN", "true", "bool", "param", "CLAIMTOBE sends user@domain"},
	{"SEC_SYSTEM_KNOWN_HOSTS", "$(ETC)/known_hosts", "path", "param", "known_hosts of root and daemons"},
	{"FS_LOCAL_DIR", "", "string", "param", "directory for the FS probe (system temporary directory when unset)"},
	{"FS_REMOTE_DIR", "", "string", "param", "directory for the FS_REMOTE probe"},
	{"FS_ROOT_TO_CONDOR", "true", "bool", "param", "map root to the condor user under FS (cedar.md §5.6)"},
	{"FS_ALLOW_UNSAFE", "false", "bool", "param", "accept unsafe FS probe directories"},
	{"SSL_SKIP_HOST_CHECK", "false", "bool", "param", "skip the SSL host-name check"},
	{"COLLECTOR_BOOTSTRAP_SSL_CERTIFICATE", "true", "bool", "param", "collector creates a CA and host certificate"},
	{"AUTH_SSL_SERVER_CAFILE", "", "path", "param", "CA file the server trusts"},
	{"AUTH_SSL_SERVER_CADIR", "", "path", "param", "CA directory the server trusts"},
	{"AUTH_SSL_CLIENT_CAFILE", "", "path", "param", "CA file the client trusts"},
	{"AUTH_SSL_CLIENT_CADIR", "", "path", "param", "CA directory the client trusts"},
	{"AUTH_SSL_SERVER_CERTFILE", "/etc/pki/tls/certs/localhost.crt,$(AUTH_SSL_AUTOGENERATE_CERTFILE)", "path", "param", "server certificate(s), first readable wins"},
	{"AUTH_SSL_SERVER_KEYFILE", "/etc/pki/tls/private/localhost.key,$(AUTH_SSL_AUTOGENERATE_KEYFILE)", "path", "param", "server key(s), paired with the certificates"},
	{"AUTH_SSL_AUTOGENERATE_CERTFILE", "$(ETC)/hostcert.pem", "path", "param", "host certificate the collector generates"},
	{"AUTH_SSL_AUTOGENERATE_KEYFILE", "$(ETC)/hostkey.pem", "path", "param", "host key the collector generates"},
	{"AUTH_SSL_SERVER_USE_DEFAULT_CAS", "true", "bool", "param", "server also trusts the system CAs"},
	{"AUTH_SSL_CLIENT_USE_DEFAULT_CAS", "true", "bool", "param", "client also trusts the system CAs"},
	{"AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE", "false", "bool", "param", "server demands a client certificate (cedar.md §5.5)"},
	{"AUTH_SSL_REQUIRE_CLIENT_MAPPING", "false", "bool", "param", "client certificate must map to a user"},
	{"AUTH_SSL_ALLOW_CLIENT_PROXY", "false", "bool", "param", "accept proxy certificates"},
	{"AUTH_SSL_USE_CLIENT_PROXY_ENV_VAR", "false", "bool", "param", "client uses X509_USER_PROXY"},
	{"AUTH_SSL_USE_VOMS_IDENTITY", "true", "bool", "param", "map VOMS attributes"},

	// Signing keys and token directories (tokens.md §5.1).
	{"SEC_PASSWORD_DIRECTORY", "$(ETC)/passwords.d", "path", "param", "named signing keys, <dir>/<keyname>"},
	{"SEC_PASSWORD_FILE", "$(SEC_PASSWORD_DIRECTORY)/POOL", "path", "param", "pool password"},
	{"SEC_PASSWORD_DOMAIN", "", "string", "param", "domain of the pool password identity"},
	{"SEC_TOKEN_POOL_SIGNING_KEY_FILE", "$(SEC_PASSWORD_FILE)", "path", "param", "file of key id POOL"},
	{"SEC_TOKEN_POOL_SIGNING_KEY_IS_PASSWORD", "false", "bool", "code", "truncate the POOL key at NUL (tokens.md §5.3)"},
	{"SEC_TOKEN_POOL_SIGNING_DIR_REFRESH_TIME", "0", "int", "code", "IssuerKeys cache lifetime (tokens.md §2)"},
	{"SEC_TOKEN_SYSTEM_DIRECTORY", "$(ETC)/tokens.d", "path", "param", "tokens of root and daemons"},
	{"SEC_TOKEN_DIRECTORY", "", "path", "param", "token directory for everybody when set"},

	// Token issuing (tokens.md §2).
	{"SEC_TOKEN_ISSUER_KEY", "POOL", "string", "param", "default signing key name"},
	{"SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS", "POOL AP", "string", "param", "keys a fetch may request (tokens.md §2 conflict note)"},
	{"SEC_TOKEN_AP_SIGNING_KEY_NAME", "AP", "string", "param", "name of the AP collector's key"},
	{"SEC_TOKEN_MAX_AGE", "", "int", "param", "reject tokens whose iat is older"},
	{"SEC_TOKEN_REQUEST_LIMITS", "", "string", "param", "authorizations a token request may get"},
	{"SEC_TOKEN_REVOCATION_EXPR", "", "string", "param", "ClassAd expression revoking tokens (tokens.md §6.3)"},
	{"SEC_ISSUED_TOKEN_EXPIRATION", "", "int", "param", "cap on issued token lifetimes"},
	{"SEC_IMPERSONATION_TOKEN_LIMITS", "", "string", "param", "authorizations of impersonation tokens"},
	{"SEC_ENABLE_TOKEN_FETCH", "true", "bool", "param", "serve DC_GET_SESSION_TOKEN"},
	{"SEC_ENABLE_TOKEN_REQUEST", "true", "bool", "param", "serve the token request commands"},
	{"SEC_ENABLE_SCITOKEN_EXCHANGE", "true", "bool", "param", "serve DC_EXCHANGE_SCITOKEN"},
	{"SEC_ENABLE_IMPERSONATION_TOKENS", "false", "bool", "param", "serve impersonation tokens"},
	{"SEC_ACCEPT_CAPABILITY_TOKENS", "false", "bool", "param", "accept capability tokens"},
	{"SEC_USE_TOKENS_DATABASE", "false", "bool", "param", "keep issued tokens in a database"},
	{"SEC_TOKEN_REQUEST_LIFETIME", "3600", "int", "code", "seconds a token request stays pending (tokens.md §2)"},
	{"TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME", "3600", "int", "code", "cap of an auto-approval rule (tokens.md §2)"},
}

// SecCodeDefaults are the values HTCondor's SecMan uses when no
// SEC_<PERM>_<SETTING> knob is defined anywhere along the permission chain
// (condor_secman.cpp FillInSecurityPolicyAd; cedar.md §4.3, §4.5). Keys are
// the <SETTING> part. SESSION_DURATION is 60 for tools (TOOL, SUBMIT) and
// 86400 for daemons; AUTHENTICATION_METHODS falls back to the defaults-table
// value of SEC_DEFAULT_AUTHENTICATION_METHODS.
var SecCodeDefaults = map[string]string{
	"AUTHENTICATION": "OPTIONAL",
	"ENCRYPTION":     "OPTIONAL",
	"INTEGRITY":      "OPTIONAL",
	"NEGOTIATION":    "PREFERRED",
	"CRYPTO_METHODS": "AES,BLOWFISH,3DES",
	"SESSION_LEASE":  "3600",
}

// defaults indexes defaultsList by upper-case name.
var defaults = func() map[string]*Default {
	m := make(map[string]*Default, len(defaultsList))
	for i := range defaultsList {
		d := &defaultsList[i]
		m[upper(d.Name)] = d
	}
	return m
}()

// Defaults returns a copy of the built-in defaults table, sorted by name.
func Defaults() []Default {
	out := append([]Default(nil), defaultsList...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
