// Fuzzes the REST API's request bodies: json_body() (nlohmann) and the functions that turn
// a body into a service input, as the handlers in src/web/api/ call them. The first byte picks
// the body kind; the rest is the body:
//   0  POST /score: the hand-written reader read_score_body() must accept and reject exactly
//      what score_input(json_body()) does, with the same error code and the same input
//   1  POST /score/batch      2  POST /assessments/{id}/decision      3  POST /outcomes
//   4  POST /training-jobs, with the parameter checks submit() runs before storing the job
//   5  any body: json_body(), dump() and json_body() again give the same document
// Only core::InvalidInput may escape (anything else is a 500 in the server), and its error
// response must be JSON.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "web/detail/request_bodies.hpp"
#include "web/detail/score_body.hpp"
#include "web/error_mapping.hpp"

namespace {

using risklab::core::InvalidInput;
namespace detail = risklab::web::detail;

[[noreturn]] void fail(const std::string& why) {
  std::fprintf(stderr, "json_bodies: %s\n", why.c_str());
  std::abort();
}

// What json_body() does with httplib's request.
nlohmann::json parse(const std::string& body) { return detail::parse_json_body(body); }

struct Outcome {
  std::optional<risklab::service::ScoreInput> input;
  std::string code;
  std::string message;
};

// Every refusal becomes a 422 response through error_mapping.cpp.
void respond(const InvalidInput& error) { (void)risklab::web::map_error(error, "fuzz"); }

template <class Read>
Outcome attempt(Read read) {
  Outcome out;
  try {
    out.input = read();
  } catch (const InvalidInput& error) {
    respond(error);
    out.code = error.code();
    out.message = error.what();
  }
  return out;
}

// What scoring sees: the last value given for each name.
std::map<std::string, std::optional<double>> last_values(
    const risklab::service::FeatureValues& features) {
  std::map<std::string, std::optional<double>> out;
  for (const auto& [name, value] : features) out[std::string(name)] = value;
  return out;
}

void score_body(const std::string& body) {
  const Outcome fast = attempt([&] { return detail::read_score_body(body); });
  const Outcome slow = attempt([&] { return detail::score_input(parse(body)); });
  if (fast.code != slow.code) {
    fail("read_score_body() says '" + fast.code + "' (" + fast.message +
         ") where score_input() says '" + slow.code + "' (" + slow.message + ")");
  }
  // nlohmann words parse errors a little differently as SAX and as DOM; all else is ours.
  if (fast.code != "bad_json" && fast.message != slow.message) {
    fail("messages differ: '" + fast.message + "' vs '" + slow.message + "'");
  }
  if (!fast.input) return;
  const auto& a = *fast.input;
  const auto& b = *slow.input;
  if (a.statement_id != b.statement_id || a.company != b.company || a.top_k != b.top_k) {
    fail("read_score_body() and score_input() read different members");
  }
  // The reader keeps every value given, in order; the DOM one per name, sorted.
  if (last_values(a.features) != last_values(b.features)) {
    fail("read_score_body() and score_input() read different features");
  }
}

void other_body(unsigned kind, const std::string& body) {
  try {
    const nlohmann::json json = parse(body);
    switch (kind) {
      case 1:
        (void)detail::score_batch_inputs(json);
        break;
      case 2:
        (void)detail::decision_input(json);
        break;
      case 3:
        (void)detail::outcome_inputs(json);
        break;
      case 4: {
        const auto request = detail::training_request(json);
        risklab::service::check_training_parameters(request);
        (void)request.parameters.dump();  // what submit() stores
        break;
      }
      default: {
        const std::string text = json.dump();
        if (parse(text) != json) fail("json_body(dump(x)) differs from x");
        break;
      }
    }
  } catch (const InvalidInput& error) {
    respond(error);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const unsigned kind = data[0] % 6U;
  if (kind == 0) {
    score_body(body);
  } else {
    other_body(kind, body);
  }
  return 0;
}
