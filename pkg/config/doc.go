// Package config reads HTCondor configuration the way HTCondor 25.x tools
// and daemons do (condor_config.cpp, config.cpp; admin manual
// "Introduction to Configuration").
//
// Load finds the global file (CONDOR_CONFIG, "ONLY_ENV" for none, else
// /etc/condor/condor_config, /usr/local/etc/condor_config,
// ~condor/condor_config), reads it, then the LOCAL_CONFIG_DIR files in name
// order (skipping LOCAL_CONFIG_DIR_EXCLUDE_REGEXP matches), the
// LOCAL_CONFIG_FILE list, LOCAL_CONFIG_DIR again if it changed, the per-user
// ~/.condor/user_config of non-root processes, and finally the
// _CONDOR_<KNOB> environment overrides.
//
// The language: "NAME = value" (case-insensitive names, optionally
// "SUBSYS.NAME" or "LOCALNAME.NAME"), "NAME += value", "NAME @=tag" blocks
// ending with "@tag", backslash continuations, '#' comment lines,
// "include [ifexist] : file", "include : cmd |" (only with
// Options.AllowCommands), "use CATEGORY : template" metaknobs,
// if/elif/else/endif with the simple conditions HTCondor supports, and
// "error :"/"warning :" statements.
//
// Values are stored raw and expanded when read: $(NAME), $(NAME:default),
// nested references, $ENV(NAME[:default]), $RANDOM_CHOICE(),
// $RANDOM_INTEGER(), $(DOLLAR) for a literal '$'; "$$(...)" is left alone.
// A reference of a knob to itself is resolved when it is defined, so
// "X = $(X) more" appends. Lookups try <LOCALNAME>.<NAME>,
// <SUBSYS>.<NAME>, <NAME>, each in the configuration then in the built-in
// defaults table (Defaults), so TOOL.SEC_CLIENT_AUTHENTICATION_METHODS
// applies to the tools. An empty value counts as undefined.
//
// Departures from HTCondor, all in the direction of refusing rather than
// guessing: the ClassAd-based macro functions ($INT, $REAL, $STRING,
// $EVAL, $SUBSTR, $CHOICE, $BASENAME, $DIRNAME, $F...) are not
// implemented (an error when read); recursive definitions are an error at
// Load instead of an endless loop; the host name is not canonicalized
// through DNS; the detected IP_ADDRESS/IPV4_ADDRESS/IPV6_ADDRESS and
// DETECTED_* macros are not provided; AUTO_USE_* knobs are ignored; and of
// the metaknobs only those that set knobs condor-auth reads are applied
// (the others are accepted with a warning, FEATURE:HPC_ANNEX is refused).
package config
