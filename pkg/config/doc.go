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
// $RANDOM_INTEGER(), $CHOICE(), $SUBSTR(), $INT(), $REAL(), $STRING(),
// $EVAL(), $BASENAME(), $DIRNAME() and the file-name functions $F...()
// (letters p d n x b q a u w f), $(DOLLAR) for a literal '$'; "$$(...)"
// is left alone. The functions follow HTCondor's configuration reader
// (not condor_submit's variant), quirks included: arguments are looked up
// untrimmed, a function body ends at the first ')', $(DOLLAR) inside a
// function's argument becomes a '$' that is expanded again, and $INT() and
// $REAL() keep 55 bytes, as HTCondor's buffer does. Their format argument
// is checked like HTCondor's validatePrintfFormat and printed like glibc's
// snprintf. Numbers and expressions are read with pkg/classad.
// A reference of a knob to itself is resolved when it is defined, so
// "X = $(X) more" appends. Lookups try <LOCALNAME>.<NAME>,
// <SUBSYS>.<NAME>, <NAME>, each in the configuration then in the built-in
// defaults table (Defaults), so TOOL.SEC_CLIENT_AUTHENTICATION_METHODS
// applies to the tools. An empty value counts as undefined.
//
// Departures from HTCondor, all in the direction of refusing rather than
// guessing: a macro function is refused (an error when read) where
// condor-auth cannot be sure to produce HTCondor's result — a ClassAd
// function pkg/classad does not implement (split, sum, absTime, ...), the
// %p, %a, %C, %S and wide-string conversions or unusual length modifiers
// in a format, and the inputs on which HTCondor itself crashes ($Fn of
// "", $Fdd of a path with one '/'); recursive definitions, including
// through macro function arguments, are an error at Load instead of an
// endless loop; the host name is not canonicalized
// through DNS; the detected IP_ADDRESS/IPV4_ADDRESS/IPV6_ADDRESS and
// DETECTED_* macros are not provided; AUTO_USE_* knobs are ignored; and of
// the metaknobs only those that set knobs condor-auth reads are applied
// (the others are accepted with a warning, FEATURE:HPC_ANNEX is refused).
package config
