/* SPDX-License-Identifier: MIT */
/*
 * json.c - strict JSON object parsing for JOSE headers, claim sets and key
 * sets (checklist C4, C5): duplicate members rejected, no NUL in strings,
 * no trailing data, bounded nesting, NumericDate as a JSON number.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* jansson's own limit is 2048 levels; tokens never need more than a few. */
static bool json_depth_ok(const unsigned char *p, size_t len, int max_depth)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return false;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return true;
}

enum oidc_status oidc_json_parse_object(const void *buf, size_t len,
					json_t **out, struct oidc_error *err)
{
	json_error_t jerr;
	json_t *v;

	if (!json_depth_ok(buf, len, OIDC_JSON_DEPTH_MAX))
		return oidc_err(err, OIDC_E_MALFORMED,
				"JSON nested deeper than %d levels",
				OIDC_JSON_DEPTH_MAX);
	/* JSON_REJECT_DUPLICATES: jansson keeps the last duplicate by
	 * default, so {"alg":"none","alg":"RS256"} could mean two things. */
	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		return oidc_err(err, OIDC_E_MALFORMED, "invalid JSON: %s",
				jerr.text);
	if (!json_is_object(v)) {
		json_decref(v);
		return oidc_err(err, OIDC_E_MALFORMED,
				"JSON value is not an object");
	}
	*out = v;
	return OIDC_OK;
}

const char *oidc_json_str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

int oidc_json_numericdate(const json_t *obj, const char *name, int64_t *out)
{
	const json_t *v = json_object_get(obj, name);
	const double lim = 4611686018427387904.0; /* 2^62 */

	if (!v)
		return 0;
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i > (json_int_t)lim)
			i = (json_int_t)lim;
		if (i < -(json_int_t)lim)
			i = -(json_int_t)lim;
		*out = (int64_t)i;
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!isfinite(d))
			return -1;
		d = floor(d);
		if (d > lim)
			d = lim;
		if (d < -lim)
			d = -lim;
		*out = (int64_t)d;
		return 1;
	}
	return -1;
}
