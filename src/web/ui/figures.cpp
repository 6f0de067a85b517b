#include "web/ui/figures.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "core/error.hpp"

namespace risklab::web::ui {

std::string trim(const std::string& value) {
  const auto start = value.find_first_not_of(" \t\r\"");
  if (start == std::string::npos) return {};
  const auto end = value.find_last_not_of(" \t\r\"");
  return value.substr(start, end - start + 1);
}

namespace {

std::vector<std::string> split_cells(const std::string& line) {
  const char sep = line.find('\t') != std::string::npos ? '\t' : ',';
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, sep)) out.push_back(trim(cell));
  return out;
}

std::optional<double> figure(const std::string& name, const std::string& raw, std::size_t line) {
  const auto value = trim(raw);
  if (value.empty() || value == "null" || value == "NA" || value == "NaN") return std::nullopt;
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  if (end != value.c_str() + value.size() || !std::isfinite(number)) {
    throw core::InvalidInput("bad_figure", "line " + std::to_string(line) + ": the value of '" +
                                               name + "' is not a number: '" + value + "'");
  }
  return number;
}

}  // namespace

service::FeatureValues parse_figures(const std::string& pasted) {
  std::vector<std::string> lines;
  std::stringstream in(pasted);
  std::string line;
  while (std::getline(in, line)) {
    if (!trim(line).empty()) lines.push_back(line);
  }
  service::FeatureValues out;
  if (lines.empty()) throw core::InvalidInput("no_figures", "paste the figures to score");
  if (lines.size() == 2 && lines[0].find('=') == std::string::npos) {
    const auto names = split_cells(lines[0]);
    const auto values = split_cells(lines[1]);
    if (names.size() != values.size()) {
      throw core::InvalidInput("bad_figures", "the header row has " + std::to_string(names.size()) +
                                                  " cells but the value row has " +
                                                  std::to_string(values.size()));
    }
    for (std::size_t i = 0; i < names.size(); ++i) out.add(names[i], figure(names[i], values[i], 2));
    return out;
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto sep = lines[i].rfind('=');
    if (sep == std::string::npos) sep = lines[i].rfind('\t');
    if (sep == std::string::npos) {
      throw core::InvalidInput("bad_figures", "line " + std::to_string(i + 1) +
                                                  " is not 'name = value'");
    }
    const auto name = trim(lines[i].substr(0, sep));
    out.add(name, figure(name, lines[i].substr(sep + 1), i + 1));
  }
  return out;
}

}  // namespace risklab::web::ui
