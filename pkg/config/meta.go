package config

import (
	"strconv"
	"strings"
)

// Metaknob templates ("use CATEGORY : template"). The knob settings are
// those of HTCondor 25.14.0's param_info.in metaknob section, restated here;
// $(1), $(2:default), $(1+), $(0), $(0#) and $(1?) are template arguments
// ("use SECURITY : recommended(svc, admins)"), expanded before the text is
// parsed. Only templates that set knobs condor-auth reads carry their text.
var metaTemplates = map[string]map[string]string{
	"SECURITY": {
		"HOST_BASED": `
ALLOW_ADMINISTRATOR = $(CONDOR_HOST)
ALLOW_READ = *
ALLOW_WRITE = $(FULL_HOSTNAME) $(IPV4_ADDRESS) $(IPV6_ADDRESS)
ALLOW_DAEMON = $(FULL_HOSTNAME) $(IPV4_ADDRESS) $(IPV6_ADDRESS)
ALLOW_NEGOTIATOR = $(CONDOR_HOST)
ALLOW_NEGOTIATOR_SCHEDD = $(ALLOW_NEGOTIATOR) $(FLOCK_NEGOTIATOR_HOSTS)
ALLOW_WRITE_COLLECTOR = $(ALLOW_WRITE) $(FLOCK_FROM)
ALLOW_WRITE_STARTD = $(ALLOW_WRITE) $(FLOCK_FROM)
ALLOW_READ_COLLECTOR = $(ALLOW_READ) $(FLOCK_FROM)
ALLOW_READ_STARTD = $(ALLOW_READ) $(FLOCK_FROM)
LEGACY_ALLOW_SEMANTICS = TRUE
`,
		"WITH_AUTHENTICATION": `
SEC_DEFAULT_AUTHENTICATION = required
SEC_DEFAULT_INTEGRITY = required
`,
		"STRONG": `
SEC_DEFAULT_ENCRYPTION = required
SEC_DEFAULT_INTEGRITY = required
SEC_DEFAULT_AUTHENTICATION = required
`,
		"USER_BASED": `
if $(CondorIsAdmin)
  authuser = condor
else
  authuser = $(USERNAME)
endif
use SECURITY : recommended($(authuser))
if ! $(CondorIsAdmin)
  ALLOW_WRITE = $(authuser)@$(UID_DOMAIN)
endif
`,
		"get_htcondor_idtokens": `
use SECURITY : recommended
SEC_READ_AUTHENTICATION_METHODS = $(SEC_DEFAULT_AUTHENTICATION_METHODS),ANONYMOUS
SEC_CLIENT_AUTHENTICATION_METHODS = $(SEC_DEFAULT_AUTHENTICATION_METHODS),ANONYMOUS
TRUST_DOMAIN = $(CONDOR_HOST)
`,
		"recommended_v9_0": `
SECURITY_MODEL = 9.0
use SECURITY : strong
SEC_READ_AUTHENTICATION = OPTIONAL
SEC_READ_ENCRYPTION = OPTIONAL
SEC_READ_INTEGRITY = OPTIONAL
ALLOW_ADMINISTRATOR = $(1:condor)@* condor_pool@* $(2:root@*) $(3+)
ALLOW_DAEMON = $(1:condor)@*  condor_pool@*
ALLOW_NEGOTIATOR = $(1:condor)@* condor_pool@*
ALLOW_WRITE = *
ALLOW_READ = *
`,
		// cedar.md §4.5: "use security:recommended" = recommended_v24_0.
		"recommended_v24_0": `
SECURITY_MODEL = 24.0
use SECURITY : strong
SEC_READ_AUTHENTICATION = OPTIONAL
SEC_CLIENT_AUTHENTICATION = OPTIONAL
ALLOW_ADMINISTRATOR = $(1:condor)@* condor@password $(2:root@*) $(3+)
ALLOW_DAEMON = $(1:condor)@*  condor@password
ALLOW_NEGOTIATOR = $(1:condor)@* condor@password
ALLOW_WRITE = *
ALLOW_READ = *
`,
		"recommended": `
use SECURITY : recommended_v24_0($(1+))
`,
		"FIPS": `
FIPS = True
use SECURITY : strong
SEC_DEFAULT_CRYPTO_METHODS = AES,3DES
`,
	},
	"ROLE": {
		"Personal": `
CONDOR_HOST = 127.0.0.1
COLLECTOR_HOST = $(CONDOR_HOST):0
DAEMON_LIST = MASTER COLLECTOR NEGOTIATOR STARTD SCHEDD
RunBenchmarks = 0
`,
		"Execute":        "DAEMON_LIST = $(DAEMON_LIST) STARTD\n",
		"Submit":         "DAEMON_LIST = $(DAEMON_LIST) SCHEDD\n",
		"CentralManager": "DAEMON_LIST = $(DAEMON_LIST) COLLECTOR NEGOTIATOR\n",
		"get_htcondor_central_manager": `
use SECURITY : get_htcondor_idtokens
use ROLE : CentralManager
`,
		"get_htcondor_submit": `
use SECURITY : get_htcondor_idtokens
use ROLE : submit
`,
		"get_htcondor_execute": `
use SECURITY : get_htcondor_idtokens
use ROLE : execute
`,
	},
	"FEATURE": {
		"KRB": `
SEC_CREDENTIAL_DIRECTORY_KRB = /var/lib/condor/krb_credentials
DAEMON_LIST = $(DAEMON_LIST) CREDMON_KRB
SEC_CREDENTIAL_PRODUCER = $(LIBEXEC)/cred_producer_krb
SEC_CREDENTIAL_MONITOR_KRB_LOG = $(LOG)/CredMonKrbLog
AUTO_INCLUDE_CREDD_IN_DAEMON_LIST = True
USE_KEYRING_SESSIONS = True
`,
		"OAUTH": `
SEC_CREDENTIAL_DIRECTORY_OAUTH = /var/lib/condor/oauth_credentials
CREDMON_OAUTH_LOG = $(LOG)/CredMonOAuthLog
DAEMON_LIST = $(DAEMON_LIST) CREDMON_OAUTH
AUTO_INCLUDE_CREDD_IN_DAEMON_LIST = True
TRUST_CREDENTIAL_DIRECTORY = True
`,
		"REMOTE_RUNTIME_CONFIG": `
ENABLE_RUNTIME_CONFIG = True
ALLOW_CONFIG = $(ALLOW_ADMINISTRATOR)
if $(0#)
  SETTABLE_ATTRS_CONFIG = $(SETTABLE_ATTRS_CONFIG) $(0)
endif
`,
		"REMOTE_CONFIG": `
ENABLE_PERSISTENT_CONFIG = True
PERSISTENT_CONFIG_DIR = $(SPOOL)
use FEATURE : REMOTE_RUNTIME_CONFIG($(0))
`,
	},
}

// metaIgnored lists the other templates HTCondor 25.14.0 knows. They only
// set knobs of the startd, schedd, negotiator or master (policies, slots,
// cron hooks, HAD ...), none of which condor-auth reads, so "use" of them is
// accepted and recorded as a warning.
var metaIgnored = map[string][]string{
	"POLICY": {"DESKTOP", "DESKTOP_IDLE", "DESKTOP_HOURS", "ALWAYS_RUN_JOBS", "UWCS_DESKTOP",
		"LIMIT_JOB_RUNTIMES", "PREEMPT_IF_RUNTIME_EXCEEDS", "HOLD_IF_RUNTIME_EXCEEDS",
		"STARTD_PUBLISH_CPUSUSAGE", "PREEMPT_IF_CPUS_EXCEEDED", "HOLD_IF_CPUS_EXCEEDED",
		"PREEMPT_IF_DISK_EXCEEDED", "HOLD_IF_DISK_EXCEEDED", "PREEMPT_IF_MEMORY_EXCEEDED",
		"HOLD_IF_MEMORY_EXCEEDED", "PREEMPT_IF", "WANT_HOLD_IF", "ONLYREGISTEREDCHECKPOINTDESTINATIONS"},
	"FEATURE": {"POLICY_EXPR_FRAGMENTS", "POLICY_HOURS_TO_START", "TESTINGMODE_POLICY_VALUES",
		"UWCS_DESKTOP_POLICY_VALUES", "ASSIGNACCOUNTINGGROUP", "ASSIGNPROJECTNAME",
		"SETJOBATTRFROMUSERMAP", "SCHEDDUSERMAPFILE", "GPUS", "MONITOR", "GPUSMONITOR",
		"PELICANCACHE", "PARTITIONABLESLOT", "STATICSLOTS", "ONESHOTCRONHOOK", "PERIODICCRONHOOK",
		"CONTINUOUSCRONHOOK", "STARTDCRONPERIODIC", "SCHEDDCRONPERIODIC", "STARTDCRONONESHOT",
		"SCHEDDCRONONESHOT", "STARTDCRONCONTINUOUS", "SCHEDDCRONCONTINUOUS", "CHILDCOLLECTOR",
		"LIBRARIAN", "ADSTASH", "COMMONCLOUDATTRIBUTESGOOGLE", "JOBSHAVEINSTANCEIDS",
		"COMMONCLOUDATTRIBUTESAWS", "PELICANRETRYPOLICY", "GANGLIA", "DEFAULTCHECKPOINTDESTINATION"},
	"EXPERIMENTAL": {"COLLECTORNODE", "HAD", "HADSHAREDPORT", "HADFIXEDPORT", "HADREPLICATION"},
	"UPGRADE":      {"DISCARD", "DISCARDX", "DISCARDIF", "DISCARDIFX", "DISCARD_VMWARE"},
}

// metaUnsupported are known templates whose effect on knobs condor-auth
// reads cannot be reproduced (they need ClassAd evaluation).
var metaUnsupported = map[string]string{
	"FEATURE:HPC_ANNEX": "it adjusts COLLECTOR_HOST with $INT() ClassAd evaluation, which condor-auth does not implement",
}

// metaLookup finds a template (category and name are case-insensitive).
// known reports whether HTCondor knows it; text is "" for templates that are
// accepted but ignored or unsupported. canonical is "CATEGORY:name" with
// HTCondor's spelling of the name.
func metaLookup(category, tmpl string) (text string, canonical string, known bool) {
	c, t := upper(category), upper(tmpl)
	for name, text := range metaTemplates[c] {
		if upper(name) == t {
			return text, c + ":" + name, true
		}
	}
	for _, n := range metaIgnored[c] {
		if n == t {
			return "", c + ":" + tmpl, true
		}
	}
	if _, ok := metaUnsupported[c+":"+t]; ok {
		return "", c + ":" + tmpl, true
	}
	return "", "", false
}

// metaCategoryKnown reports whether HTCondor has a metaknob category.
func metaCategoryKnown(category string) bool {
	c := upper(category)
	_, a := metaTemplates[c]
	_, b := metaIgnored[c]
	return a || b
}

// metaItem is one "template(args)" of a use statement.
type metaItem struct {
	name    string
	args    string
	hasArgs bool
}

// splitMetaItems splits the right-hand side of a use statement into
// templates: names separated by commas or blanks, each optionally followed
// by a parenthesized argument list that may nest () and [] (init_from_string).
func splitMetaItems(rhs string) []metaItem {
	var out []metaItem
	p := 0
	for p < len(rhs) {
		for p < len(rhs) && (isSpace(rhs[p]) || rhs[p] == ',') {
			p++
		}
		e := p
		for e < len(rhs) && !isSpace(rhs[e]) && rhs[e] != ',' && rhs[e] != '(' {
			e++
		}
		if e == p {
			break
		}
		it := metaItem{name: rhs[p:e]}
		p = e
		for p < len(rhs) && isSpace(rhs[p]) {
			p++
		}
		if p < len(rhs) && rhs[p] == '(' {
			if c := closeBrace(rhs, p, 25); c > p {
				it.args, it.hasArgs = rhs[p+1:c], true
				p = c
			}
			p++
		}
		out = append(out, it)
	}
	return out
}

// closeBrace returns the index of the ')' matching the '(' at s[p],
// skipping nested () and [] pairs, or -1.
func closeBrace(s string, p, depth int) int {
	if depth < 0 {
		return -1
	}
	want := byte(')')
	if s[p] == '[' {
		want = ']'
	}
	for i := p + 1; i < len(s); i++ {
		switch s[i] {
		case want:
			return i
		case '(', '[':
			c := closeBrace(s, i, depth-1)
			if c < 0 {
				return -1
			}
			i = c
		}
	}
	return -1
}

// hasMetaArgs reports whether text uses $(<digit>...) template arguments.
func hasMetaArgs(text string) bool {
	for i := 0; i+2 < len(text); i++ {
		if text[i] == '$' && text[i+1] == '(' && text[i+2] >= '0' && text[i+2] <= '9' {
			return true
		}
	}
	return false
}

// expandMetaArgs substitutes template arguments (expand_meta_args,
// config.cpp): $(0) all arguments, $(0#) their number, $(N) the Nth
// (trimmed), $(N+) the Nth and the rest, $(N?) 1 or 0 for non-empty, and
// ":default" after any of them for a missing or empty argument.
func expandMetaArgs(text, args string) string {
	var b strings.Builder
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], "$(")
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		j += i
		b.WriteString(text[i:j])
		k := j + 2
		d := k
		for k < len(text) && text[k] >= '0' && text[k] <= '9' {
			k++
		}
		end := strings.IndexByte(text[k:], ')')
		if d == k || end < 0 {
			b.WriteString("$(")
			i = j + 2
			continue
		}
		index, _ := strconv.Atoi(text[d:k])
		mod := byte(0)
		if k < len(text) && (text[k] == '?' || text[k] == '#' || text[k] == '+') {
			mod = text[k]
			k++
		}
		def, hasDef := "", false
		if k < len(text) && text[k] == ':' {
			def, hasDef = text[k+1:k+strings.IndexByte(text[k:], ')')], true
			k += len(def) + 1
		}
		if k >= len(text) || text[k] != ')' {
			b.WriteString("$(")
			i = j + 2
			continue
		}
		b.WriteString(metaArg(args, index, mod, def, hasDef))
		i = k + 1
	}
	return b.String()
}

func metaArg(args string, index int, mod byte, def string, hasDef bool) string {
	list := strings.Split(args, ",")
	if strings.TrimSpace(args) == "" {
		list = nil
	}
	var v string
	switch {
	case index <= 0 && (mod == '#' || mod == '+'):
		v = strconv.Itoa(len(list))
	case index <= 0:
		v = args
	case mod == '#' || mod == '+':
		if index <= len(list) {
			v = strings.Join(list[index-1:], ",")
		}
	default:
		if index <= len(list) {
			v = list[index-1]
		}
	}
	v = strings.TrimSpace(v)
	if v == "" && hasDef {
		v = strings.TrimSpace(def)
	}
	if mod == '?' {
		if v != "" {
			return "1"
		}
		return "0"
	}
	return v
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
