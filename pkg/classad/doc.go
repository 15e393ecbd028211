// Package classad implements the subset of the HTCondor ClassAd language
// that condor-auth needs: values, expressions, ads, the old ("long form")
// syntax that travels on the CEDAR wire, the new bracketed syntax, HTCondor's
// JSON form, and an evaluator with the language's three-valued logic.
//
// # Wire form
//
// CEDAR sends every attribute as one string "Name = expr" with the expression
// unparsed in old ClassAd syntax (cedar.md §3.1). ParseAssignment and
// UnparseAssignment convert one such line; ParseLines/AssignmentLines a whole
// ad. Security-negotiation ads are read with the strict literal-only reader
// ParseLiteralAd (cedar.md §3.3 getPODClassAd, pitfall 6).
//
// # Syntax notes (facts from htcondor/htcondor src/classad, pinned commit)
//
//   - HTCondor runs the ClassAd library with "old semantics" on, so an integer
//     literal with a leading 0 ("010", "0x1F") is a lexical error rather than
//     octal or hex (lexer.cpp tokenizeNumber). cedar.md §3.4 says "a leading 0
//     means octal"; the code says otherwise and this package follows the code.
//   - In old syntax the only string escape is \" and only when the quote is
//     not the last character of the input (or followed by a newline); a
//     backslash is otherwise literal (lexer.cpp tokenizeStringOld).
//   - A '-' directly followed by a digit is part of a number literal unless
//     the previous token is a value, an identifier or a closing bracket, so
//     "-1.0" is one real literal while "a -1" is a subtraction.
//   - Old syntax unparses reals with "%.16G" (plus ".0" when the text looks
//     like an integer); new syntax with "%1.15E"; NaN/Inf as real("NaN") etc.
//   - Unary operators unparse with a leading space (" -x", " !x") and binary
//     operators with one space on each side; parentheses appear only where
//     the source had them (sink.cpp).
//
// # Deliberate differences from the C++
//
//   - Text after a complete expression is an error (the C++ wire reader
//     ignores it); integer literals out of int64 range and "-0x.." are
//     errors (the C++ yields 0); input containing a NUL byte is refused.
//   - Attribute names must be non-empty, without control characters, '='
//     or leading/trailing spaces, so that every ad can be written as
//     "Name = expr" lines.
//   - "base.name" writes name quoted when it is not an identifier, and
//     "1 .b" keeps a space, so that the text parses back.
//   - JSON \u escapes become correct UTF-8 (the C++ encoder is broken).
//   - regexp() uses Go's RE2 instead of PCRE2; the "x" option is ERROR.
//   - absTime()/relTime() literals and time values are not supported; such
//     calls are kept as written and evaluate to ERROR.
//
// Like the C++, old syntax cannot write back a string that ends with a
// backslash or holds a quote followed by a newline anywhere but at the end
// of a line.
//
// # Limits
//
// Parsing refuses inputs larger than MaxInputSize bytes, parser recursion
// deeper than MaxParseDepth and expression trees taller than MaxTreeHeight.
// Evaluation stops with ERROR after MaxEvalDepth nested evaluations or
// MaxEvalSteps node evaluations (the C++ EvalState budget), and string
// results longer than MaxStringLen are ERROR. No input makes the package
// panic.
package classad
