/* SPDX-License-Identifier: MIT */
/*
 * test_jdoc.c - the strict in-place JSON parser (common/jdoc*.c, checklist
 * C4, C5): a table of valid and invalid documents after JSONTestSuite
 * (Nicolas Seriot, "Parsing JSON is a Minefield"; y_ must parse, n_ must
 * not, i_ are the implementation's choice and our choice is written down),
 * each also run through jansson as in tests/unit/jdoc_diff.h; then values
 * (numbers against strtod, strings against their expected bytes), nesting,
 * duplicate names in small and large objects, the accessors and in-place
 * behaviour. The generated and mutated differential run is test_jdoc_diff.c.
 *
 * The root must be an object, so JSONTestSuite's array cases are wrapped as
 * {"a":CASE} (W below); its y_ cases that we refuse on purpose (duplicate
 * names, \u0000, scalar roots) are n here with a comment.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "jdoc_diff.h"
#include "testutil.h"

#define W(x) "{\"a\":" x "}"
#define T(name, text, ok) { name, text, sizeof(text) - 1, ok }

struct doc_case {
	const char *name;
	const char *text;
	size_t len;
	int ok;
};

static const struct doc_case cases[] = {
	/* y_: objects */
	T("y_object_empty", "{}", 1),
	T("y_object_basic", "{\"asd\":\"sdf\"}", 1),
	T("y_object_empty_key", "{\"\":0}", 1),
	T("y_object_extreme_numbers", "{ \"min\": -1.0e+28, \"max\": 1.0e+28 }", 1),
	T("y_object_simple", "{\"a\":[]}", 1),
	T("y_object_string_unicode",
	  "{\"title\":\"\\u041f\\u043e\\u043b\\u0442\\u043e\\u0440\\u0430 \\u0417\\u0435\\u043c"
	  "\\u043b\\u0435\\u043a\\u043e\\u043f\\u0430\" }", 1),
	T("y_object_with_newlines", "{\n\"a\": \"b\"\n}", 1),
	T("y_object_same_key_different_values", "{\"a\":1,\"b\":{\"a\":2}}", 1),
	T("y_object_escaped_names_differ", "{\"a\":1,\"\\u0062\":2}", 1),
	T("y_structure_whitespace_everywhere", " \t\r\n{ \"a\" : [ 1 , { } ] }\n\t ", 1),
	/* y_: arrays, wrapped */
	T("y_array_arraysWithSpaces", W("[[]   ]"), 1),
	T("y_array_empty-string", W("[\"\"]"), 1),
	T("y_array_heterogeneous", W("[null, 1, \"1\", {}]"), 1),
	T("y_array_with_leading_space", W(" [1]"), 1),
	T("y_array_with_trailing_space", W("[2] "), 1),
	T("y_array_false", W("[false]"), 1),
	T("y_array_null", W("[null]"), 1),
	/* y_: numbers */
	T("y_number", W("[123e65]"), 1),
	T("y_number_0e+1", W("[0e+1]"), 1),
	T("y_number_0e1", W("[0e1]"), 1),
	T("y_number_after_space", W("[ 4]"), 1),
	T("y_number_double_close_to_zero",
	  W("[-0.000000000000000000000000000000000000000"
	    "000000000000000000000000000000000000001]"), 1),
	T("y_number_int_with_exp", W("[20e1]"), 1),
	T("y_number_minus_zero", W("[-0]"), 1),
	T("y_number_negative_int", W("[-123]"), 1),
	T("y_number_negative_one", W("[-1]"), 1),
	T("y_number_real_capital_e", W("[1E22]"), 1),
	T("y_number_real_capital_e_neg_exp", W("[1E-2]"), 1),
	T("y_number_real_capital_e_pos_exp", W("[1E+2]"), 1),
	T("y_number_real_exponent", W("[123e45]"), 1),
	T("y_number_real_fraction_exponent", W("[123.456e78]"), 1),
	T("y_number_real_neg_exp", W("[1e-2]"), 1),
	T("y_number_real_pos_exponent", W("[1e+2]"), 1),
	T("y_number_simple_int", W("[123]"), 1),
	T("y_number_simple_real", W("[123.456789]"), 1),
	T("y_number_int64_max", W("[9223372036854775807]"), 1),
	T("y_number_int64_min", W("[-9223372036854775808]"), 1),
	T("y_number_dbl_max", W("[1.7976931348623157e308]"), 1),
	T("y_number_subnormal", W("[4.9e-324]"), 1),
	/* y_: strings */
	T("y_string_allowed_escapes", W("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]"), 1),
	T("y_string_backslash_and_u_escaped_zero", W("[\"\\\\u0000\"]"), 1),
	T("y_string_backslash_doublequotes", W("[\"\\\"\"]"), 1),
	T("y_string_comments", W("[\"a/*b*/c/*d//e\"]"), 1),
	T("y_string_double_escape_a", W("[\"\\\\a\"]"), 1),
	T("y_string_double_escape_n", W("[\"\\\\n\"]"), 1),
	T("y_string_escaped_control_character", W("[\"\\u0012\"]"), 1),
	T("y_string_escaped_noncharacter", W("[\"\\uFFFF\"]"), 1),
	T("y_string_last_surrogates_1_and_2", W("[\"\\uDBFF\\uDFFF\"]"), 1),
	T("y_string_nbsp_uescaped", W("[\"new\\u00A0line\"]"), 1),
	T("y_string_nonCharacterInUTF-8_U+10FFFF", W("[\"\xf4\x8f\xbf\xbf\"]"), 1),
	T("y_string_nonCharacterInUTF-8_U+FFFF", W("[\"\xef\xbf\xbf\"]"), 1),
	T("y_string_one-byte-utf-8", W("[\"\\u002c\"]"), 1),
	T("y_string_pi", W("[\"\xcf\x80\"]"), 1),
	T("y_string_reservedCharacterInUTF-8_U+1BFFF", W("[\"\xf0\x9b\xbf\xbf\"]"), 1),
	T("y_string_space", W("\" \""), 1),
	T("y_string_surrogates_U+1D11E", W("[\"\\uD834\\uDd1e\"]"), 1),
	T("y_string_three-byte-utf-8", W("[\"\\u0821\"]"), 1),
	T("y_string_two-byte-utf-8", W("[\"\\u0123\"]"), 1),
	T("y_string_u+2028_line_sep", W("[\"\xe2\x80\xa8\"]"), 1),
	T("y_string_uEscape", W("[\"\\u0061\\u30af\\u30EA\\u30b9\"]"), 1),
	T("y_string_uescaped_newline", W("[\"new\\u000Aline\"]"), 1),
	T("y_string_unescaped_char_delete", W("[\"\x7f\"]"), 1),
	T("y_string_unicodeEscapedBackslash", W("[\"\\u005C\"]"), 1),
	T("y_string_unicode_escaped_double_quote", W("[\"\\u0022\"]"), 1),
	T("y_string_utf8", W("[\"\xe2\x82\xac\xf0\x9d\x84\x9e\"]"), 1),
	T("y_string_raw_c1_control", W("[\"\xc2\x85\"]"), 1),
	T("y_structure_trailing_newline", W("[\"a\"]") "\n", 1),

	/* JSONTestSuite y_ that this parser refuses on purpose */
	T("y_object_duplicated_key (C4)", "{\"a\":\"b\",\"a\":\"c\"}", 0),
	T("y_object_duplicated_key_and_value (C4)", "{\"a\":\"b\",\"a\":\"b\"}", 0),
	T("y_object_escaped_null_in_key (C5)", "{\"foo\\u0000bar\": 42}", 0),
	T("y_string_null_escape (C5)", W("[\"\\u0000\"]"), 0),
	T("y_structure_lonely_int (root)", "42", 0),
	T("y_structure_lonely_string (root)", "\"asd\"", 0),
	T("y_structure_lonely_null (root)", "null", 0),
	T("y_array_empty (root)", "[]", 0),

	/* n_: arrays */
	T("n_array_1_true_without_comma", W("[1 true]"), 0),
	T("n_array_a_invalid_utf8", W("[a\xe5]"), 0),
	T("n_array_colon_instead_of_comma", W("[\"\": 1]"), 0),
	T("n_array_comma_after_close", W("[\"\"],"), 0),
	T("n_array_comma_and_number", W("[,1]"), 0),
	T("n_array_double_comma", W("[1,,2]"), 0),
	T("n_array_extra_close", W("[\"x\"]]"), 0),
	T("n_array_extra_comma", W("[\"\",]"), 0),
	T("n_array_incomplete", "{\"a\":[\"x\"", 0),
	T("n_array_inner_array_no_comma", W("[3[4]]"), 0),
	T("n_array_invalid_utf8", W("[\xff]"), 0),
	T("n_array_items_separated_by_semicolon", W("[1:2]"), 0),
	T("n_array_just_minus", W("[-]"), 0),
	T("n_array_missing_value", W("[   , \"\"]"), 0),
	T("n_array_spaces_vertical_tab_formfeed", W("[\"\x0b" "a\"\\f]"), 0),
	T("n_array_star_inside", W("[*]"), 0),
	T("n_array_unclosed_with_object_inside", "{\"a\":[{}", 0),
	/* n_: literals */
	T("n_incomplete_false", W("[fals]"), 0),
	T("n_incomplete_null", W("[nul]"), 0),
	T("n_incomplete_true", W("[tru]"), 0),
	T("n_incomplete_true_at_end", "{\"a\":tru", 0),
	T("n_literal_capitalized", W("[True]"), 0),
	T("n_literal_trailing_letters", W("[truex]"), 0),
	/* n_: numbers */
	T("n_number_++", W("[++1234]"), 0),
	T("n_number_+1", W("[+1]"), 0),
	T("n_number_+Inf", W("[+Inf]"), 0),
	T("n_number_-01", W("[-01]"), 0),
	T("n_number_-1.0.", W("[-1.0.]"), 0),
	T("n_number_-2.", W("[-2.]"), 0),
	T("n_number_-NaN", W("[-NaN]"), 0),
	T("n_number_.-1", W("[.-1]"), 0),
	T("n_number_.2e-3", W("[.2e-3]"), 0),
	T("n_number_0.1.2", W("[0.1.2]"), 0),
	T("n_number_0.3e+", W("[0.3e+]"), 0),
	T("n_number_0.3e", W("[0.3e]"), 0),
	T("n_number_0.e1", W("[0.e1]"), 0),
	T("n_number_0_capital_E+", W("[0E+]"), 0),
	T("n_number_0e", W("[0e]"), 0),
	T("n_number_1.0e-", W("[1.0e-]"), 0),
	T("n_number_1_000", W("[1 000.0]"), 0),
	T("n_number_1eE2", W("[1eE2]"), 0),
	T("n_number_2.e3", W("[2.e3]"), 0),
	T("n_number_Inf", W("[Inf]"), 0),
	T("n_number_NaN", W("[NaN]"), 0),
	T("n_number_U+FF11_fullwidth_digit_one", W("[\xef\xbc\x91]"), 0),
	T("n_number_expression", W("[1+2]"), 0),
	T("n_number_hex_1_digit", W("[0x1]"), 0),
	T("n_number_infinity", W("[Infinity]"), 0),
	T("n_number_invalid+-", W("[0e+-1]"), 0),
	T("n_number_invalid-negative-real", W("[-123.123foo]"), 0),
	T("n_number_invalid-utf-8-in-int", W("[0\xe5]"), 0),
	T("n_number_minus_infinity", W("[-Infinity]"), 0),
	T("n_number_minus_space_1", W("[- 1]"), 0),
	T("n_number_neg_int_starting_with_zero", W("[-012]"), 0),
	T("n_number_neg_real_without_int_part", W("[-.123]"), 0),
	T("n_number_real_garbage_after_e", W("[1ea]"), 0),
	T("n_number_real_without_fractional_part", W("[1.]"), 0),
	T("n_number_starting_with_dot", W("[.123]"), 0),
	T("n_number_with_alpha", W("[1.2a-3]"), 0),
	T("n_number_with_leading_zero", W("[012]"), 0),
	T("n_number_at_end", "{\"a\":-", 0),
	/* n_: objects */
	T("n_object_bad_value", "{\"x\": truth}", 0),
	T("n_object_bracket_key", "{[: \"x\"}", 0),
	T("n_object_comma_instead_of_colon", "{\"x\", null}", 0),
	T("n_object_double_colon", "{\"x\"::\"b\"}", 0),
	T("n_object_garbage_at_end", "{\"a\":\"a\" 123}", 0),
	T("n_object_key_with_single_quotes", "{key: 'value'}", 0),
	T("n_object_lone_continuation_byte_in_key", "{\"\xb9\":\"0\"}", 0),
	T("n_object_missing_colon", "{\"a\" b}", 0),
	T("n_object_missing_key", "{:\"b\"}", 0),
	T("n_object_missing_value", "{\"a\":", 0),
	T("n_object_non_string_key", "{1:1}", 0),
	T("n_object_repeated_null_null", "{null:null,null:null}", 0),
	T("n_object_several_trailing_commas", "{\"id\":0,,,,,}", 0),
	T("n_object_single_quote", "{'a':0}", 0),
	T("n_object_trailing_comma", "{\"id\":0,}", 0),
	T("n_object_trailing_comment", "{\"a\":\"b\"}/**/", 0),
	T("n_object_two_commas_in_a_row", "{\"a\":\"b\",,\"c\":\"d\"}", 0),
	T("n_object_unquoted_key", "{a: \"b\"}", 0),
	T("n_object_unterminated-value", "{\"a\":\"a", 0),
	T("n_object_with_single_string", "{ \"foo\" : \"bar\", \"a\" }", 0),
	T("n_object_with_trailing_garbage", "{\"a\":\"b\"}#", 0),
	T("n_object_mismatched_close", "{\"a\":[1}", 0),
	/* n_: strings */
	T("n_string_1_surrogate_then_escape", W("[\"\\uD800\\\"]"), 0),
	T("n_string_1_surrogate_then_escape_u1", W("[\"\\uD800\\u1\"]"), 0),
	T("n_string_1_surrogate_then_escape_u1x", W("[\"\\uD800\\u1x\"]"), 0),
	T("n_string_accentuated_char_no_quotes", W("[\xc3\xa9]"), 0),
	T("n_string_backslash_00", W("[\"\\\x00\"]"), 0),
	T("n_string_escape_x", W("[\"\\x00\"]"), 0),
	T("n_string_escaped_backslash_bad", W("[\"\\\\\\\"]"), 0),
	T("n_string_escaped_ctrl_char_tab", W("[\"\\\t\"]"), 0),
	T("n_string_escaped_emoji", W("[\"\\\xf0\x9f\x8c\x80\"]"), 0),
	T("n_string_incomplete_escape", W("[\"\\\"]"), 0),
	T("n_string_incomplete_escaped_character", W("[\"\\u00A\"]"), 0),
	T("n_string_incomplete_surrogate", W("[\"\\uD834\\uDd\"]"), 0),
	T("n_string_invalid-utf-8-in-escape", W("[\"\\u\xe5\"]"), 0),
	T("n_string_invalid_backslash_esc", W("[\"\\a\"]"), 0),
	T("n_string_invalid_unicode_escape", W("[\"\\uqqqq\"]"), 0),
	T("n_string_invalid_utf8_after_escape", W("[\"\\\xe5\"]"), 0),
	T("n_string_leading_uescaped_thinspace", W("[\\u0020\"asd\"]"), 0),
	T("n_string_single_doublequote", W("[\"]"), 0),
	T("n_string_single_quote", W("['single quote']"), 0),
	T("n_string_unescaped_ctrl_char", W("[\"a\x00" "a\"]"), 0),
	T("n_string_unescaped_newline", W("[\"new\nline\"]"), 0),
	T("n_string_unescaped_tab", W("[\"\t\"]"), 0),
	T("n_string_unicode_CapitalU", W("\"\\UA66D\""), 0),
	T("n_string_with_trailing_garbage", W("\"\"x"), 0),
	T("n_string_unterminated_at_end", "{\"a\":\"abc", 0),
	T("n_string_unterminated_key", "{\"abc", 0),
	/* n_: structure */
	T("n_structure_no_data", "", 0),
	T("n_structure_whitespace_only", " \n", 0),
	T("n_structure_UTF8_BOM", "\xef\xbb\xbf{}", 0),
	T("n_structure_incomplete_UTF8_BOM", "\xef\xbb{}", 0),
	T("n_structure_lone-invalid-utf-8", "\xe5", 0),
	T("n_structure_null-byte-outside-string", "{\"a\":[\x00]}", 0),
	T("n_structure_null_after_object", "{}\x00", 0),
	T("n_structure_null_after_literal (jansson skips it)", "{\"b\":null\x00}", 0),
	T("n_structure_null_after_number (jansson skips it)", "{\"a\":1\x00}", 0),
	T("n_structure_object_followed_by_closing_object", "{}}", 0),
	T("n_structure_object_unclosed_no_value", "{\"\":", 0),
	T("n_structure_object_with_comment", "{\"a\":/*comment*/\"b\"}", 0),
	T("n_structure_object_with_trailing_garbage", "{\"a\": true} \"x\"", 0),
	T("n_structure_open_object", "{", 0),
	T("n_structure_open_object_close_array", "{]", 0),
	T("n_structure_open_object_comma", "{,", 0),
	T("n_structure_open_object_open_array", "{[", 0),
	T("n_structure_open_object_open_string", "{\"a", 0),
	T("n_structure_trailing_#", "{\"a\":\"b\"}#{}", 0),
	T("n_structure_two_objects", "{}{}", 0),
	T("n_structure_U+2060_word_joined", W("[\xe2\x81\xa0]"), 0),
	T("n_structure_whitespace_formfeed", W("[\f]"), 0),
	T("n_structure_nbsp_as_whitespace", "{\xc2\xa0}", 0),
	T("n_structure_unclosed_object", "{\"asd\":\"asd\"", 0),

	/* i_: our choices */
	T("i_number_double_huge_neg_exp (0)", W("[123.456e-789]"), 1),
	T("i_number_real_underflow (0)", W("[123e-10000000]"), 1),
	T("i_number_huge_exp (overflow)", W("[0.4e00669999999999999999999999999999999999999]"), 0),
	T("i_number_neg_int_huge_exp", W("[-1e+9999]"), 0),
	T("i_number_pos_double_huge_exp", W("[1.5e+9999]"), 0),
	T("i_number_real_neg_overflow", W("[-123123e100000]"), 0),
	T("i_number_real_pos_overflow", W("[123123e100000]"), 0),
	T("i_number_1e400", W("[1e400]"), 0),
	T("i_number_too_big_neg_int", W("[-123123123123123123123123123123]"), 0),
	T("i_number_too_big_pos_int", W("[100000000000000000000]"), 0),
	T("i_number_int64_max_plus_one", W("[9223372036854775808]"), 0),
	T("i_number_int64_min_minus_one", W("[-9223372036854775809]"), 0),
	T("i_number_very_big_negative_int",
	  W("[-237462374673276894279832749832423479823246327846]"), 0),
	T("i_object_key_lone_2nd_surrogate", "{\"\\uDFAA\":0}", 0),
	T("i_string_1st_surrogate_but_2nd_missing", W("[\"\\uDADA\"]"), 0),
	T("i_string_1st_valid_surrogate_2nd_invalid", W("[\"\\uD888\\u1234\"]"), 0),
	T("i_string_UTF-8_invalid_sequence", W("[\"\xe6\x97\xa5\xd1\x88\xfa\"]"), 0),
	T("i_string_UTF8_surrogate_U+D800", W("[\"\xed\xa0\x80\"]"), 0),
	T("i_string_incomplete_surrogate_and_escape_valid", W("[\"\\uD800\\n\"]"), 0),
	T("i_string_incomplete_surrogate_pair", W("[\"\\uDd1ea\"]"), 0),
	T("i_string_incomplete_surrogates_escape_valid", W("[\"\\uD800\\uD800\\n\"]"), 0),
	T("i_string_invalid_lonely_surrogate", W("[\"\\ud800\"]"), 0),
	T("i_string_invalid_surrogate", W("[\"\\ud800abc\"]"), 0),
	T("i_string_invalid_utf-8", W("[\"\xff\"]"), 0),
	T("i_string_inverted_surrogates_U+1D11E", W("[\"\\uDd1e\\uD834\"]"), 0),
	T("i_string_iso_latin_1", W("[\"\xe9\"]"), 0),
	T("i_string_lone_second_surrogate", W("[\"\\uDFAA\"]"), 0),
	T("i_string_lone_utf8_continuation_byte", W("[\"\x81\"]"), 0),
	T("i_string_not_in_unicode_range", W("[\"\xf4\xbf\xbf\xbf\"]"), 0),
	T("i_string_overlong_sequence_2_bytes", W("[\"\xc0\xaf\"]"), 0),
	T("i_string_overlong_sequence_3_bytes", W("[\"\xe0\x80\xaf\"]"), 0),
	T("i_string_overlong_sequence_4_bytes", W("[\"\xf0\x80\x80\xaf\"]"), 0),
	T("i_string_overlong_sequence_6_bytes", W("[\"\xfc\x83\xbf\xbf\xbf\xbf\"]"), 0),
	T("i_string_truncated-utf-8", W("[\"\xe0\xff\"]"), 0),
	T("i_string_truncated_at_quote", W("[\"\xe2\x82\"]"), 0),
	T("i_string_f5_lead", W("[\"\xf5\x80\x80\x80\"]"), 0),
	T("i_string_utf16LE_no_BOM", "{\x00\"\x00\x61\x00\"\x00:\x00\x31\x00}\x00", 0),
};

static void test_table(void)
{
	struct jdiff_stats st = { 0 };
	char why[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct doc_case *c = &cases[i];
		struct oidc_jdoc doc = { NULL, 0, 0 };
		struct oidc_error err = { OIDC_OK, "" };
		char *buf = malloc(c->len + 1);
		enum oidc_status s;
		enum jdiff_result d;

		if (!buf)
			exit(2);
		memcpy(buf, c->text, c->len);
		s = oidc_jdoc_parse(&doc, buf, c->len, &err);
		CHECK_STATUS(s, c->ok ? OIDC_OK : OIDC_E_MALFORMED, "%s", c->name);
		if (s != OIDC_OK)
			CHECK(err.status == s && err.detail[0] && oidc_jdoc_root(&doc) == NULL,
			      "%s: error filled, no root", c->name);
		else
			CHECK(oidc_jdoc_root(&doc) == &doc.nodes[0], "%s: root", c->name);
		oidc_jdoc_clear(&doc);
		free(buf);
		/* Same verdict and values as jansson, or a listed difference. */
		d = jdiff_check(c->text, c->len, &st, why, sizeof(why));
		CHECK(d != JDIFF_MISMATCH, "%s: agrees with jansson %s", c->name, why);
	}
}

/* One document; the member "a" of the root, or NULL. */
static const struct oidc_jnode *parse_a(struct oidc_jdoc *doc, char *buf)
{
	if (oidc_jdoc_parse(doc, buf, strlen(buf), NULL) != OIDC_OK)
		return NULL;
	return oidc_jobj_get(doc, oidc_jdoc_root(doc), "a");
}

/* Integers are exact over int64 (and -0 is the integer 0). */
static void test_integers(void)
{
	static const struct {
		const char *text;
		int64_t v;
	} ints[] = {
		{ "0", 0 }, { "-0", 0 }, { "7", 7 }, { "-7", -7 },
		{ "1700000000", 1700000000 },
		{ "9223372036854775807", INT64_MAX },
		{ "-9223372036854775808", INT64_MIN },
		{ "-9223372036854775807", -INT64_MAX },
		{ "1000000000000000000", INT64_C(1000000000000000000) },
	};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		struct oidc_jdoc doc = { NULL, 0, 0 };
		char buf[64];
		const struct oidc_jnode *a;

		snprintf(buf, sizeof(buf), "{\"a\":%s}", ints[i].text);
		a = parse_a(&doc, buf);
		CHECK(a && a->type == OIDC_JINT && a->v.i == ints[i].v, "integer %s",
		      ints[i].text);
		oidc_jdoc_clear(&doc);
	}
}

/*
 * Reals against strtod (glibc, correctly rounded; the C locale of this
 * test): equal for significands that fit 53 bits with a power of ten up
 * to 1e22 (the exact path), within one ulp otherwise.
 */
static void test_reals(void)
{
	static const struct {
		const char *text;
		int exact;
	} reals[] = {
		{ "0.0", 1 }, { "-0.0", 1 }, { "1.5", 1 }, { "-1.5", 1 }, { "0.1", 1 },
		{ "1700000000.5", 1 }, { "1.7e9", 1 }, { "1e22", 1 }, { "1e-22", 1 },
		{ "123.456789", 1 }, { "9007199254740993.0", 0 }, { "1e23", 0 },
		{ "1.7976931348623157e308", 0 }, { "2.2250738585072014e-308", 0 },
		{ "4.9e-324", 0 }, { "1e-320", 0 }, { "123e-400", 0 },
		{ "0.30000000000000004", 0 }, { "3.141592653589793238462643383279", 0 },
		{ "1700000000.9999999", 0 }, { "12345678901234567890123.5", 0 },
		{ "0.000000000000000000000000000000000000000001", 0 },
		{ "-2.5e-5", 1 }, { "6.02214076e23", 0 }, { "1E2", 1 }, { "1e+2", 1 },
	};

	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		struct oidc_jdoc doc = { NULL, 0, 0 };
		double want = strtod(reals[i].text, NULL);
		const struct oidc_jnode *a;
		char buf[96];

		snprintf(buf, sizeof(buf), "{\"a\":%s}", reals[i].text);
		a = parse_a(&doc, buf);
		if (!CHECK(a && a->type == OIDC_JREAL, "real %s parses", reals[i].text)) {
			oidc_jdoc_clear(&doc);
			continue;
		}
		if (reals[i].exact)
			CHECK(a->v.d == want && signbit(a->v.d) == signbit(want),
			      "real %s is exactly strtod's %.17g (got %.17g)",
			      reals[i].text, want, a->v.d);
		else
			CHECK(jdiff_ulps(a->v.d, want) <= 1,
			      "real %s within one ulp of strtod's %.17g (got %.17g)",
			      reals[i].text, want, a->v.d);
		oidc_jdoc_clear(&doc);
	}
}

/* NumericDate: the table the jansson-based reader of old was tested with. */
static void test_numericdate(void)
{
	static const struct {
		const char *json;
		int ret;
		int64_t value;
	} dates[] = {
		{ "{\"d\":1700000000}", 1, 1700000000 },
		{ "{\"d\":0}", 1, 0 },
		{ "{\"d\":-5}", 1, -5 },
		{ "{\"d\":1.7e9}", 1, 1700000000 },
		{ "{\"d\":1700000000.9}", 1, 1700000000 },
		{ "{\"d\":1700000000.999999}", 1, 1700000000 },
		{ "{\"d\":-1.5}", 1, -2 },
		{ "{\"d\":-0.0}", 1, 0 },
		{ "{\"d\":1e300}", 1, INT64_C(4611686018427387904) },
		{ "{\"d\":-1e300}", 1, -INT64_C(4611686018427387904) },
		{ "{\"d\":9223372036854775807}", 1, INT64_C(4611686018427387904) },
		{ "{\"d\":-9223372036854775808}", 1, -INT64_C(4611686018427387904) },
		{ "{\"d\":4611686018427387903}", 1, INT64_C(4611686018427387903) },
		{ "{\"d\":\"1700000000\"}", -1, 0 },
		{ "{\"d\":true}", -1, 0 },
		{ "{\"d\":null}", -1, 0 },
		{ "{\"d\":[1]}", -1, 0 },
		{ "{\"d\":{}}", -1, 0 },
		{ "{\"x\":1}", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		struct oidc_jdoc doc = { NULL, 0, 0 };
		char buf[64];
		int64_t out = 42, out2 = 42;
		int r, r2;

		snprintf(buf, sizeof(buf), "%s", dates[i].json);
		if (!CHECK(oidc_jdoc_parse(&doc, buf, strlen(buf), NULL) == OIDC_OK,
			   "numericdate %s parses", dates[i].json))
			continue;
		r = oidc_jobj_numericdate(&doc, oidc_jdoc_root(&doc), "d", &out);
		r2 = oidc_jnode_numericdate(oidc_jobj_get(&doc, oidc_jdoc_root(&doc), "d"),
					    &out2);
		CHECK(r == dates[i].ret && (r != 1 || out == dates[i].value) &&
			      (r == 1 || out == 42) && r2 == r && out2 == out,
		      "numericdate %s -> %d %" PRId64, dates[i].json, r, out);
		oidc_jdoc_clear(&doc);
	}
}

/* Strings: escapes undone in place, bytes and lengths exact. */
static void test_strings(void)
{
	static const struct {
		const char *json;  /* value of "a" */
		const char *want;
		size_t want_len;
	} strs[] = {
		{ "\"plain\"", "plain", 5 },
		{ "\"\"", "", 0 },
		{ "\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"", "a\"b\\c/d\be\ff\ng\rh\ti", 17 },
		{ "\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9", 4 },
		{ "\"\\u20ac\"", "\xe2\x82\xac", 3 },
		{ "\"\\ud83d\\ude00x\"", "\xf0\x9f\x98\x80x", 5 },
		{ "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4 },
		{ "\"\\u0001\\u001f\\u007f\"", "\x01\x1f\x7f", 3 },
		{ "\"raw \xe2\x82\xac and \xf0\x9f\x98\x80\"",
		  "raw \xe2\x82\xac and \xf0\x9f\x98\x80", 16 },
		{ "\"0123456789abcdef0123456789abcdef\\n0123456789abcdef\"",
		  "0123456789abcdef0123456789abcdef\n0123456789abcdef", 49 },
		{ "\"\xc3\xa9\\u00e9\xc3\xa9\"", "\xc3\xa9\xc3\xa9\xc3\xa9", 6 },
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		struct oidc_jdoc doc = { NULL, 0, 0 };
		char buf[160];
		const struct oidc_jnode *a;

		snprintf(buf, sizeof(buf), "{\"a\":%s}", strs[i].json);
		a = parse_a(&doc, buf);
		CHECK(a && a->type == OIDC_JSTRING && a->len == strs[i].want_len &&
			      memcmp(a->v.s, strs[i].want, a->len) == 0 &&
			      a->v.s[a->len] == '\0' && a->v.s >= buf &&
			      a->v.s < buf + sizeof(buf),
		      "string %zu: bytes, length, NUL, in place", i);
		oidc_jdoc_clear(&doc);
	}
}

/* n levels: objects (or objects in arrays) inside each other. */
static char *nested(int n, int arrays)
{
	char *s = malloc((size_t)n * 12 + 8);
	size_t o = 0;

	if (!s)
		exit(2);
	s[o++] = '{';
	for (int i = 1; i < n; i++) {
		/* Inside an object a member name, inside an array nothing. */
		if (!(arrays && (i - 1) % 2)) {
			memcpy(s + o, "\"a\":", 4);
			o += 4;
		}
		s[o++] = arrays && i % 2 ? '[' : '{';
	}
	for (int i = n - 1; i >= 1; i--)
		s[o++] = arrays && i % 2 ? ']' : '}';
	s[o++] = '}';
	s[o] = '\0';
	return s;
}

static void test_depth(void)
{
	struct oidc_jdoc doc = { NULL, 0, 0 };
	char *s;

	s = nested(OIDC_JSON_DEPTH_MAX, 0);
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_OK, "%d levels",
		     OIDC_JSON_DEPTH_MAX);
	CHECK(doc.n == OIDC_JSON_DEPTH_MAX, "one node per level");
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX + 1, 0);
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
		     "%d levels (C5)", OIDC_JSON_DEPTH_MAX + 1);
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX, 1);
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_OK,
		     "%d levels of objects and arrays", OIDC_JSON_DEPTH_MAX);
	free(s);
	s = nested(OIDC_JSON_DEPTH_MAX + 1, 1);
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
		     "arrays count as levels too");
	free(s);
	s = nested(5000, 1);
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
		     "5000 levels");
	free(s);
	oidc_jdoc_clear(&doc);
}

/* An object of n members "k0".."k<n-1>" (values 1, or small objects that
 * reuse the names), and one more named dup (or none). */
static char *members(size_t n, const char *dup, int nested_values)
{
	size_t cap = n * 32 + 64, o = 0;
	char *s = malloc(cap);

	if (!s)
		exit(2);
	s[o++] = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			s[o++] = ',';
		if (nested_values)
			o += (size_t)snprintf(s + o, cap - o,
					      "\"k%zu\":{\"k0\":1,\"k1\":2}", i);
		else
			o += (size_t)snprintf(s + o, cap - o, "\"k%zu\":1", i);
	}
	if (dup)
		o += (size_t)snprintf(s + o, cap - o, "%s\"%s\":0", n ? "," : "", dup);
	snprintf(s + o, cap - o, "}");
	return s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* C4 in objects of every size: the filter, the walk and the sort. */
static void test_duplicates(void)
{
	static const size_t sizes[] = { 1, 2, 8, 31, 32, 33, 100, 1000 };
	struct oidc_jdoc doc = { NULL, 0, 0 };
	char *s;
	double t0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		char first[16], last[16];

		s = members(n, NULL, 0);
		CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_OK,
			     "%zu distinct members", n);
		CHECK(oidc_jdoc_root(&doc) && oidc_jdoc_root(&doc)->len == n,
		      "%zu members counted", n);
		free(s);
		snprintf(first, sizeof(first), "k0");
		snprintf(last, sizeof(last), "k%zu", n - 1);
		s = members(n, first, 0);
		CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
			     "%zu members, the first repeated at the end", n);
		free(s);
		s = members(n, last, 0);
		CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
			     "%zu members, the last repeated", n);
		free(s);
		/* The same names in nested objects are no duplicates. */
		s = members(n, NULL, 1);
		CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_OK,
			     "%zu members, each an object reusing names", n);
		free(s);
	}
	/* Equal after unescaping is equal. */
	s = strdup("{\"alg\":\"none\",\"\\u0061lg\":\"RS256\"}");
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
		     "duplicate spelled with an escape");
	free(s);
	s = strdup("{\"a\":{\"b\":1,\"c\":{},\"b\":2}}");
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
		     "nested duplicate");
	free(s);
	s = strdup("{\"ab\":1,\"ba\":2,\"a\":3,\"b\":4,\"\":5,\"abc\":6,\"acb\":7}");
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_OK,
		     "similar names are distinct");
	free(s);
	/* A hostile object: 40000 members (a quadratic check would compare
	 * 800 million pairs), a duplicate at the very end. */
	s = members(40000, "k39999", 0);
	t0 = now_s();
	CHECK_STATUS(oidc_jdoc_parse(&doc, s, strlen(s), NULL), OIDC_E_MALFORMED,
		     "40000 members with one duplicate");
	CHECK(now_s() - t0 < 2.0, "40000 members checked in %.3f s (not quadratic)",
	      now_s() - t0);
	free(s);
	oidc_jdoc_clear(&doc);
}

/* Accessors, iteration, reuse, the sentinel, bounds. */
static void test_accessors(void)
{
	char text[] = "{\"s\":\"v\",\"n\":1,\"o\":{\"x\":[1,\"two\",{\"y\":null}]},"
		      "\"t\":true,\"f\":false,\"z\":null,\"e\":\"\"}";
	struct oidc_jdoc doc = { NULL, 0, 0 };
	const struct oidc_jnode *root, *o, *x, *c;
	size_t count = 0;

	CHECK_STATUS(oidc_jdoc_parse(&doc, text, strlen(text), NULL), OIDC_OK, "parse");
	root = oidc_jdoc_root(&doc);
	CHECK(root && root->type == OIDC_JOBJECT && root->len == 7 && root->end == doc.n,
	      "root: 7 members, subtree is the document");
	CHECK(oidc_jobj_str(&doc, root, "s") && strcmp(oidc_jobj_str(&doc, root, "s"), "v") == 0 &&
		      !oidc_jobj_str(&doc, root, "n") && !oidc_jobj_str(&doc, root, "o") &&
		      !oidc_jobj_str(&doc, root, "missing") &&
		      oidc_jobj_str(&doc, root, "e") && !*oidc_jobj_str(&doc, root, "e"),
	      "oidc_jobj_str only returns strings");
	o = oidc_jobj_get(&doc, root, "o");
	x = oidc_jobj_get(&doc, o, "x");
	CHECK(o && o->type == OIDC_JOBJECT && x && x->type == OIDC_JARRAY && x->len == 3,
	      "nested object and array");
	CHECK(!oidc_jobj_get(&doc, root, "x") && !oidc_jobj_get(&doc, x, "y"),
	      "members are found in their own object only");
	for (c = oidc_jnode_first(&doc, x); c; c = oidc_jnode_next(&doc, x, c))
		count++;
	CHECK(count == 3, "iteration over an array sees its 3 elements");
	c = oidc_jnode_first(&doc, x);
	c = oidc_jnode_next(&doc, x, oidc_jnode_next(&doc, x, c));
	CHECK(c && c->type == OIDC_JOBJECT && oidc_jobj_get(&doc, c, "y") &&
		      oidc_jobj_get(&doc, c, "y")->type == OIDC_JNULL,
	      "the third element skips the subtrees before it");
	count = 0;
	for (c = oidc_jnode_first(&doc, root); c; c = oidc_jnode_next(&doc, root, c))
		count += c->key != NULL;
	CHECK(count == 7, "iteration over the root sees 7 named members");
	CHECK(!oidc_jnode_first(&doc, oidc_jobj_get(&doc, root, "n")) &&
		      !oidc_jobj_get(&doc, x, "0") && !oidc_jobj_get(NULL, root, "s") &&
		      !oidc_jobj_get(&doc, NULL, "s") && !oidc_jobj_get(&doc, root, NULL),
	      "accessors refuse scalars and NULL");
	CHECK(oidc_jobj_get(&doc, root, "t")->type == OIDC_JTRUE &&
		      oidc_jobj_get(&doc, root, "f")->type == OIDC_JFALSE &&
		      oidc_jobj_get(&doc, root, "z")->type == OIDC_JNULL,
	      "literals");

	/* Reuse: a failed parse leaves no root, a later one works. */
	{
		char bad[] = "{\"a\":}";
		char good[] = "{\"b\":2}";

		CHECK_STATUS(oidc_jdoc_parse(&doc, bad, strlen(bad), NULL), OIDC_E_MALFORMED,
			     "reuse: bad document");
		CHECK(oidc_jdoc_root(&doc) == NULL && doc.nodes != NULL,
		      "reuse: no root, the node array kept");
		CHECK_STATUS(oidc_jdoc_parse(&doc, good, strlen(good), NULL), OIDC_OK,
			     "reuse: good document");
		CHECK(oidc_jobj_get(&doc, oidc_jdoc_root(&doc), "b") &&
			      !oidc_jobj_get(&doc, oidc_jdoc_root(&doc), "s"),
		      "reuse: only the new members");
	}
	/* len bounds the input; the byte at len becomes the sentinel. */
	{
		char t[] = "{\"a\":1}xyz";

		CHECK_STATUS(oidc_jdoc_parse(&doc, t, 7, NULL), OIDC_OK, "len bounds the input");
		CHECK(t[7] == '\0', "buf[len] is the NUL sentinel");
	}
	oidc_jdoc_clear(&doc);
	CHECK(doc.nodes == NULL && doc.n == 0 && doc.cap == 0 && !oidc_jdoc_root(&doc),
	      "clear empties the document");
	oidc_jdoc_clear(&doc);
	oidc_jdoc_clear(NULL);
	CHECK_STATUS(oidc_jdoc_parse(NULL, text, 1, NULL), OIDC_E_INTERNAL, "no document");
	CHECK_STATUS(oidc_jdoc_parse(&doc, NULL, 0, NULL), OIDC_E_INTERNAL, "no buffer");
}

/* A hand-built document (no parser filter) is searched all the same. */
static void test_hand_built(void)
{
	struct oidc_jnode nodes[3] = {
		{ .type = OIDC_JOBJECT, .len = 2, .end = 3 },
		{ .type = OIDC_JINT, .key = "exp", .key_len = 3, .v.i = 5, .end = 2 },
		{ .type = OIDC_JSTRING, .key = "sub", .key_len = 3, .v.s = "x", .len = 1,
		  .end = 3 },
	};
	struct oidc_jdoc doc = { nodes, 3, 3 };
	int64_t exp = 0;
	json_t *j;

	CHECK(oidc_jobj_numericdate(&doc, oidc_jdoc_root(&doc), "exp", &exp) == 1 && exp == 5 &&
		      oidc_jobj_str(&doc, oidc_jdoc_root(&doc), "sub") &&
		      !oidc_jobj_get(&doc, oidc_jdoc_root(&doc), "aud"),
	      "hand-built document: members found");
	j = tj_from_jdoc(&doc, oidc_jdoc_root(&doc));
	CHECK(j && json_integer_value(json_object_get(j, "exp")) == 5 &&
		      strcmp(json_string_value(json_object_get(j, "sub")), "x") == 0 &&
		      json_object_size(j) == 2,
	      "tj_from_jdoc of a hand-built document");
	json_decref(j);
	CHECK(tj_from_jdoc(&doc, NULL) == NULL && tj_from_jdoc(NULL, nodes) == NULL,
	      "tj_from_jdoc refuses NULL");
}

/* The error detail says where, never more than printable ASCII. */
static void test_errors(void)
{
	char text[] = "{\"a\":\"\x01\"}";
	struct oidc_jdoc doc = { NULL, 0, 0 };
	struct oidc_error err = { OIDC_OK, "" };
	size_t i;

	CHECK_STATUS(oidc_jdoc_parse(&doc, text, sizeof(text) - 1, &err), OIDC_E_MALFORMED,
		     "control character");
	for (i = 0; err.detail[i]; i++)
		if (err.detail[i] < 0x20 || err.detail[i] > 0x7e)
			break;
	CHECK(err.status == OIDC_E_MALFORMED && i > 0 && !err.detail[i],
	      "detail is printable ASCII");
	oidc_jdoc_clear(&doc);
}

int main(void)
{
	test_table();
	test_integers();
	test_reals();
	test_numericdate();
	test_strings();
	test_depth();
	test_duplicates();
	test_accessors();
	test_hand_built();
	test_errors();
	return test_done();
}
