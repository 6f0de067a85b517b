#include "service/stored_inputs.hpp"

#include <simdjson.h>

#include <cmath>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "core/json_number.hpp"
#include "core/name_index.hpp"

namespace risklab::service {

// Keeping the request's own text saves printing each double again (std::to_chars' shortest
// form: ~4 % of the server's CPU per stored scoring of 95 features).
std::string encode_stored_inputs(const std::vector<double>& raw,
                                 const std::vector<std::string_view>& texts) {
  std::string out;
  out.reserve(raw.size() * 20 + 2);
  out.push_back('[');
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (i > 0) out.push_back(',');
    if (std::isnan(raw[i])) {
      out += "null";
    } else if (i < texts.size() && !texts[i].empty()) {
      out += texts[i];
    } else {
      core::append_json_double(out, raw[i]);
    }
  }
  out.push_back(']');
  return out;
}

// simdjson's on-demand parser (Debian libsimdjson-dev): no document is built and numbers are
// parsed without strtod. The stored inputs of thousands of scorings are most of a monitoring
// page's work; nlohmann's SAX parser spent ~45 % of the whole report in its lexer.
struct StoredInputsReader::Impl {
  explicit Impl(const std::vector<std::string>& names) : features(names), index(names) {}

  void read_array(simdjson::ondemand::array array, std::vector<double>& row) {
    std::size_t count = 0;
    for (auto entry : array) {
      double value = 0;
      if (count < row.size() && entry.get_double().get(value) == simdjson::SUCCESS) {
        row[count] = value;
      }
      ++count;
    }
    if (count != row.size()) {
      throw core::InvalidInput("bad_inputs", "stored assessment inputs hold " +
                                                 std::to_string(count) + " values, the model has " +
                                                 std::to_string(row.size()) + " features");
    }
  }

  // Rows stored before the array form: by name, in any order (the next feature is tried first:
  // they were written in one fixed order).
  void read_object(simdjson::ondemand::object object, std::vector<double>& row) {
    std::size_t next = 0;
    for (auto field : object) {
      const std::string_view key = field.unescaped_key();
      const std::optional<std::size_t> at = index.find(key, next);
      if (!at) continue;
      next = *at + 1;
      double value = 0;
      if (field.value().get_double().get(value) == simdjson::SUCCESS) row[*at] = value;
    }
  }

  const std::vector<std::string>& features;
  core::NameIndex index;
  simdjson::ondemand::parser parser;
  std::string buffer;
};

StoredInputsReader::StoredInputsReader(const std::vector<std::string>& features)
    : impl_(std::make_unique<Impl>(features)) {}

StoredInputsReader::~StoredInputsReader() = default;

void StoredInputsReader::read(std::string_view stored, std::vector<double>& row) {
  row.assign(impl_->features.size(), std::numeric_limits<double>::quiet_NaN());
  auto& buffer = impl_->buffer;
  buffer.reserve(stored.size() + simdjson::SIMDJSON_PADDING);
  buffer.assign(stored);
  try {
    simdjson::ondemand::document doc = impl_->parser.iterate(
        simdjson::padded_string_view(buffer.data(), buffer.size(), buffer.capacity()));
    if (doc.type() == simdjson::ondemand::json_type::array) {
      impl_->read_array(doc.get_array(), row);
    } else {
      impl_->read_object(doc.get_object(), row);
    }
  } catch (const simdjson::simdjson_error& error) {
    throw core::InvalidInput("bad_inputs",
                             std::string("stored assessment inputs are not JSON: ") + error.what());
  }
}

nlohmann::json stored_inputs_object(std::string_view stored,
                                    const std::vector<std::string>& features) {
  StoredInputsReader reader(features);
  std::vector<double> row;
  reader.read(stored, row);
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < features.size(); ++i) {
    out[features[i]] = std::isnan(row[i]) ? nlohmann::json(nullptr) : nlohmann::json(row[i]);
  }
  return out;
}

}  // namespace risklab::service
