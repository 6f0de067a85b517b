#include "web/ui/ui.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <span>

#include "core/embedded_file.hpp"
#include "core/error.hpp"
#include "service/auth_service.hpp"
#include "service/overview_service.hpp"
#include "service/portfolio_service.hpp"
#include "web/error_mapping.hpp"
#include "web/ui/html.hpp"
#include "web/ui/navigation.hpp"
#include "web/ui/pages.hpp"

namespace risklab::embedded {
std::span<const core::EmbeddedFile> web_templates();
}  // namespace risklab::embedded

namespace risklab::web::ui {
namespace {

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'";

// Equal length and content, in time independent of where they differ.
bool same_secret(const std::string& given, const std::string& expected) {
  if (given.size() != expected.size() || expected.empty()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return diff == 0;
}

// The request's path and query, to come back to after signing in.
std::string path_with_query(const httplib::Request& req) {
  std::string out = req.path;
  char sep = '?';
  for (const auto& [name, value] : req.params) {
    out += sep + url_encode(name) + "=" + url_encode(value);
    sep = '&';
  }
  return out;
}

// The flash cookie carries its text as hex: httplib percent-decodes request header values, so
// a percent-encoded ';' would come back as a cookie separator.
std::string to_hex(const std::string& text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto ch = static_cast<unsigned char>(c);
    out += kHex[ch >> 4];
    out += kHex[ch & 15];
  }
  return out;
}

std::string from_hex(const std::string& hex) {
  const auto digit = [](char ch) {
    return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
  };
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int high = digit(hex[i]);
    const int low = digit(hex[i + 1]);
    if (high < 0 || low < 0) return {};
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

std::string error_message(const std::string& json_body) {
  const auto body = nlohmann::json::parse(json_body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].contains("message") &&
      body["error"]["message"].is_string()) {
    return body["error"]["message"].get<std::string>();
  }
  return "Something went wrong.";
}

}  // namespace

std::string Page::field(const std::string& name) const {
  const auto it = fields.find(name);
  return it == fields.end() ? std::string() : it->second;
}

std::optional<long long> Page::int_field(const std::string& name) const {
  const auto value = field(name);
  if (value.empty() || value.size() > 18) return std::nullopt;
  long long out = 0;
  for (const char ch : value) {
    if (ch < '0' || ch > '9') return std::nullopt;
    out = out * 10 + (ch - '0');
  }
  return out;
}

const char* Ui::content_security_policy() { return kCsp; }

std::string Ui::bare_error_page(int status) {
  const std::string what = status == 404   ? "There is no page at this address."
                           : status == 413 ? "The upload is too large."
                                           : "The request could not be handled.";
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>Error " + std::to_string(status) + " · RiskLab</title>"
         "<link rel=\"stylesheet\" href=\"/static/vendor/pico.min.css\"></head>"
         "<body><main class=\"container\"><h1>Error " + std::to_string(status) + "</h1><p>" +
         what + "</p><p><a href=\"/\">Back to the overview</a></p></main></body></html>\n";
}

void Ui::security_headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy", kCsp);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Cross-Origin-Opener-Policy", "same-origin");
}

Ui::Ui(httplib::Server& server, App& app, Metrics& metrics)
    : server_(server), app_(app), metrics_(metrics),
      overview_(std::make_unique<service::OverviewService>(app.db, app.champion)),
      portfolio_(std::make_unique<service::PortfolioService>(app.db)) {
  for (const auto& file : embedded::web_templates()) {
    std::string name(file.name);
    name = name.substr(0, name.rfind(".mustache"));
    kainjow::mustache::mustache check{std::string(file.data)};
    if (!check.is_valid()) {
      throw std::logic_error("template " + name + ": " + check.error_message());
    }
    templates_.emplace(std::move(name), std::string(file.data));
  }
  server_.Get(R"(/static/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
    security_headers(res);
    std::string name = req.matches[1].str();
    std::string version;
    const auto slash = name.find('/');
    if (slash == 16 && name.find_first_not_of("0123456789abcdef") == 16) {
      version = name.substr(0, 16);
      name = name.substr(17);
    }
    const Asset* asset = assets_.find(name);
    if (!asset) {
      res.status = 404;
      res.set_content("no such file\n", "text/plain; charset=utf-8");
      return;
    }
    const std::string etag = "\"" + asset->hash + "\"";
    res.set_header("ETag", etag);
    // A versioned URL never changes content; an unversioned one is revalidated every time.
    res.set_header("Cache-Control", version == asset->hash ? "public, max-age=31536000, immutable"
                                                           : "no-cache");
    if (req.get_header_value("If-None-Match") == etag) {
      res.status = 304;
      return;
    }
    res.set_content(std::string(asset->data), asset->content_type);
  });
  register_session_pages(*this);
  register_overview_page(*this);
  register_score_pages(*this);
  register_audit_page(*this);
  register_ground_truth_pages(*this);
  register_portfolio_pages(*this);
  register_snapshot_pages(*this);
  register_model_pages(*this);
  register_monitoring_page(*this);
}

Ui::~Ui() = default;

void Ui::get(const std::string& path, PageAccess access, PageHandler handler) {
  add("GET", path, std::move(access), std::move(handler));
}

void Ui::post(const std::string& path, PageAccess access, PageHandler handler) {
  add("POST", path, std::move(access), std::move(handler));
}

void Ui::add(const std::string& method, const std::string& path, PageAccess access,
             PageHandler handler) {
  routes_.push_back({method, path});
  auto wrapped = [this, method, path, access = std::move(access), handler = std::move(handler)](
                     const httplib::Request& req, httplib::Response& res) {
    const auto started = std::chrono::steady_clock::now();
    Page page{req, res, {}, {}, {}, {}};
    page.ctx.request_id = new_request_id();
    res.set_header("X-Request-Id", page.ctx.request_id);
    security_headers(res);
    res.set_header("Cache-Control", "no-store");  // pages show personal and credit data
    try {
      page.fields = form_fields(req);
      const auto flash = from_hex(cookie_value(req, kFlashCookie));
      if (const auto colon = flash.find(':'); colon != std::string::npos) {
        page.flashes.emplace_back(flash.substr(0, colon), flash.substr(colon + 1));
      }
      const auto token = cookie_value(req, kSessionCookie);
      std::optional<service::SessionActor> session;
      if (!token.empty()) session = app_.auth.authenticate_session(token);
      if (session) {
        page.ctx.actor = session->actor;
        page.ctx.via_session = true;
        page.ctx.session_token = token;
        page.csrf_token = session->csrf_token;
      }
      if (access.sign_in && !session) {
        if (method == "GET") {
          redirect(page, "/login?next=" + url_encode(path_with_query(req)));
        } else {
          redirect(page, "/login", "Your session has ended; sign in again.", "warning");
        }
      } else if (access.sign_in && method == "POST" &&
                 !same_secret(page.field("csrf_token"), session->csrf_token)) {
        // Every form a signed-in browser posts carries its session's token; a form built on
        // another site cannot know it.
        error_page(page, 403,
                   "This form was not sent from a RiskLab page of your session (missing or wrong "
                   "CSRF token). Nothing was changed; reload the page and try again.");
      } else if (access.sign_in && !access.roles.empty() &&
                 std::none_of(access.roles.begin(), access.roles.end(),
                              [&page](core::Role role) { return page.actor().has(role); })) {
        error_page(page, 403, "Your role does not give access to this page.");
      } else {
        handler(page);
      }
    } catch (const core::Unauthenticated&) {
      redirect(page, "/login", "Your session has ended; sign in again.", "warning");
    } catch (const std::exception& error) {
      const auto mapped = map_error(error, page.ctx.request_id);
      error_page(page, mapped.status, error_message(mapped.body));
    }
    // A handler that writes its own content (the model card) and no status answers 200, and
    // the log and metrics say so (cpp-httplib fills it in only after this point).
    if (res.status == -1) res.status = 200;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    metrics_.observe(path, method, res.status, seconds);
    spdlog::info("request_id={} method={} route={} status={} ms={:.2f} actor={} remote={}",
                 page.ctx.request_id, method, path, res.status, seconds * 1000,
                 page.ctx.actor ? page.ctx.actor->name : "-", req.remote_addr);
  };
  const std::string pattern = route_pattern(path);
  if (method == "GET") server_.Get(pattern, wrapped);
  if (method == "POST") server_.Post(pattern, wrapped);
}

std::string Ui::render_template(const std::string& name, const Data& data) const {
  const auto it = templates_.find(name);
  if (it == templates_.end()) throw std::logic_error("no template '" + name + "'");
  // Parsed per render: a kainjow template object is not safe to share between threads, and
  // parsing our small templates costs microseconds.
  kainjow::mustache::mustache tmpl{it->second};
  if (it->second.find("{{>") == std::string::npos) return tmpl.render(data);
  // `{{> partial/NAME}}` includes web/templates/NAME.mustache with the same data.
  Data with_partials = data;
  for (const auto& [partial_name, partial_text] : templates_) {
    const std::string* body = &partial_text;
    with_partials.set("partial/" + partial_name,
                      Data(kainjow::mustache::partial([body] { return *body; })));
  }
  return tmpl.render(with_partials);
}

void Ui::render(Page& page, const std::string& name, Data data, const std::string& title,
                int status, bool fragment) {
  data.set("csrf_token", text(page.csrf_token));
  std::string body = render_template(name, data);
  if (!fragment && !page.htmx()) {
    Data layout;
    layout.set("title", text(title));
    layout.set("content", text(body));
    layout.set("csrf_token", text(page.csrf_token));
    Data assets;
    assets.set("favicon", text(assets_.url("favicon.svg")));
    assets.set("pico", text(assets_.url("vendor/pico.min.css")));
    assets.set("app_css", text(assets_.url("app.css")));
    assets.set("htmx", text(assets_.url("vendor/htmx.min.js")));
    assets.set("chart", text(assets_.url("vendor/chart.umd.js")));
    assets.set("app_js", text(assets_.url("app.js")));
    layout.set("assets", assets);
    if (page.ctx.actor) {
      Data nav = list();
      for (const auto& entry : navigation()) {
        if (!visible_to(entry, page.actor())) continue;
        Data item;
        item.set("href", text(entry.href));
        item.set("label", text(entry.label));
        const bool current = entry.href == "/" ? page.req.path == "/"
                                               : page.req.path.rfind(entry.href, 0) == 0;
        item.set("current", Data(current));
        nav.push_back(item);
      }
      layout.set("nav", nav);
      Data user;
      user.set("name", text(page.actor().name));
      user.set("roles", text(core::format_roles(page.actor().roles)));
      layout.set("user", user);
    }
    Data flashes = list();
    for (const auto& [kind, message] : page.flashes) {
      Data item;
      item.set("kind", text(kind == "success" || kind == "warning" || kind == "error" ? kind
                                                                                     : "info"));
      item.set("text", text(message));
      flashes.push_back(item);
    }
    layout.set("flashes", flashes);
    body = render_template("layout", layout);
    if (!page.flashes.empty()) {
      page.res.set_header("Set-Cookie", std::string(kFlashCookie) +
                                            "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    }
  }
  page.res.status = status;
  page.res.set_content(body, "text/html; charset=utf-8");
}

void Ui::redirect(Page& page, const std::string& path, const std::string& flash,
                  const std::string& kind) {
  if (!flash.empty()) {
    page.res.set_header("Set-Cookie", std::string(kFlashCookie) + "=" +
                                          to_hex(kind + ":" + flash) +
                                          "; Path=/; HttpOnly; SameSite=Strict; Max-Age=120");
  }
  page.res.status = 303;
  page.res.set_header("Location", safe_local_path(path));
}

void Ui::error_page(Page& page, int status, const std::string& message) {
  static const std::map<int, std::string> titles = {
      {400, "Bad request"},  {401, "Sign-in needed"}, {403, "Not allowed"},
      {404, "Not found"},    {409, "Conflict"},       {422, "Cannot do that"},
      {429, "Too many attempts"}, {503, "Unavailable"}};
  const auto it = titles.find(status);
  const std::string title = it == titles.end() ? "Error" : it->second;
  Data data;
  data.set("status", text(std::to_string(status)));
  data.set("title", text(title));
  data.set("message", text(message));
  data.set("request_id", text(page.ctx.request_id));
  page.flashes.clear();
  render(page, "error", data, title, status);
}

}  // namespace risklab::web::ui
