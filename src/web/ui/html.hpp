#pragma once

#include <map>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
}

namespace risklab::web::ui {

/// Percent-encodes everything but unreserved characters (RFC 3986), for query values and cookies.
std::string url_encode(std::string_view text);
/// Decodes %XX and '+' (as a form does); malformed escapes are kept as they are.
std::string url_decode(std::string_view text);

/// `next` if it is a path on this site ("/audit?page=2"), else "/". Refuses absolute and
/// protocol-relative URLs ("https://x", "//x", "/\x"), backslashes and control characters,
/// so a log-in link can never send the user to another site.
std::string safe_local_path(std::string_view next);

/// The fields of a form: the query string for GET, the body for
/// application/x-www-form-urlencoded and multipart/form-data (non-file parts) POSTs. A field
/// given twice keeps its first value.
std::map<std::string, std::string> form_fields(const httplib::Request& req);

/// Value of cookie `name` in the request's Cookie header, empty if absent.
std::string cookie_value(const httplib::Request& req, std::string_view name);

/// A PD as people read it: "0.42 %", "12.3 %", "< 0.01 %".
std::string format_pd(double pd);

/// JSON text safe to put in an HTML attribute after mustache escaping, or in a
/// <script type="application/json"> block: '<', '>' and '&' become \u escapes.
std::string script_safe_json(std::string_view json);

}  // namespace risklab::web::ui
