#include "ml/artifact.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "fixtures.hpp"

namespace risklab::ml {
namespace {

constexpr std::size_t kPrelude = 8 + 4 + 8 + 64;

const Model& small_model() {
  static const Model model = [] {
    TrainParams params;
    params.n_trees = 5;
    return train_model(test::synthetic_dataset(200, 4, 0.1), params, {1, {}, "snap-1"});
  }();
  return model;
}

std::string code_of(std::string_view bytes, std::string* message = nullptr) {
  try {
    deserialize_model(bytes, "m.rlm");
  } catch (const core::InvalidInput& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return "accepted";
}

// Rebuilds a file around an edited header and/or tree bytes, with a valid checksum, so the
// reader's later checks are reached.
std::string resign(const std::string& bytes, const std::function<void(nlohmann::json&)>& edit_header,
                   const std::function<void(std::string&)>& edit_arrays = {}) {
  const std::string payload = bytes.substr(kPrelude);
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, payload.data(), 8);
  nlohmann::json header = nlohmann::json::parse(payload.substr(8, header_size));
  std::string arrays = payload.substr(8 + header_size);
  edit_header(header);
  if (edit_arrays) edit_arrays(arrays);
  const std::string text = header.dump();
  std::string new_payload(8, '\0');
  const std::uint64_t size = text.size();
  std::memcpy(new_payload.data(), &size, 8);
  new_payload += text + arrays;
  std::string out = bytes.substr(0, 12);
  const std::uint64_t payload_size = new_payload.size();
  out.append(reinterpret_cast<const char*>(&payload_size), 8);
  out += core::Sha256::of(new_payload) + new_payload;
  return out;
}

}  // namespace

TEST(Artifact, RoundTripIsLosslessAndByteStable) {
  const Model& model = small_model();
  const std::string bytes = serialize_model(model);
  const Model loaded = deserialize_model(bytes);
  EXPECT_EQ(serialize_model(loaded), bytes);
  EXPECT_EQ(loaded.features, model.features);
  EXPECT_EQ(loaded.snapshot_id, "snap-1");
  EXPECT_EQ(loaded.params.n_trees, 5U);
  const Dataset rows = test::synthetic_dataset(50, 8, 0.2);
  const auto a = model.score_all(rows);
  const auto b = loaded.score_all(rows);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].pd, b[i].pd);
    EXPECT_EQ(a[i].grade, b[i].grade);
  }
}

TEST(Artifact, SaveAndLoadThroughAFile) {
  risklab::test::TempDir dir;
  const std::string path = (dir.path() / "m.rlm").string();
  save_model(small_model(), path);
  EXPECT_EQ(serialize_model(load_model(path)), serialize_model(small_model()));
  try {
    load_model((dir.path() / "absent.rlm").string());
    FAIL();
  } catch (const core::InvalidInput& e) {
    EXPECT_EQ(e.code(), "file_unreadable");
  }
}

TEST(Artifact, TruncatedFilesAreRefusedAsTruncated) {
  const std::string bytes = serialize_model(small_model());
  for (std::size_t size : {std::size_t{3}, std::size_t{10}, std::size_t{40}, kPrelude, kPrelude + 100,
                           bytes.size() / 2, bytes.size() - 1}) {
    std::string message;
    EXPECT_EQ(code_of(std::string_view(bytes).substr(0, size), &message), "model_truncated") << size;
    EXPECT_NE(message.find("truncated"), std::string::npos);
  }
}

TEST(Artifact, AnyFlippedPayloadByteFailsTheChecksum) {
  const std::string bytes = serialize_model(small_model());
  for (std::size_t offset : {kPrelude + 3, kPrelude + 200, bytes.size() / 2, bytes.size() - 1}) {
    std::string corrupt = bytes;
    corrupt[offset] = static_cast<char>(corrupt[offset] ^ 0x20);
    std::string message;
    EXPECT_EQ(code_of(corrupt, &message), "model_corrupt") << offset;
    EXPECT_NE(message.find("checksum"), std::string::npos);
  }
  EXPECT_EQ(code_of(bytes + "x"), "model_corrupt");
}

TEST(Artifact, ForeignFilesAreRefusedByMagic) {
  std::string message;
  EXPECT_EQ(code_of("Bankrupt?,a,b\n1,2,3\n", &message), "model_foreign");
  EXPECT_NE(message.find("not a RiskLab model"), std::string::npos);
  EXPECT_EQ(code_of("\x89PNG\r\n\x1a\n0000000000000"), "model_foreign");
  EXPECT_EQ(code_of(""), "model_foreign");
}

TEST(Artifact, NewerFormatIsRefusedNamingTheVersion) {
  std::string bytes = serialize_model(small_model());
  const std::uint32_t newer = kArtifactFormatVersion + 2;
  std::memcpy(bytes.data() + 8, &newer, 4);
  std::string message;
  EXPECT_EQ(code_of(bytes, &message), "model_newer");
  EXPECT_NE(message.find("format 3 is newer than this build"), std::string::npos) << message;
}

TEST(Artifact, HeaderProblemsAreNamed) {
  const std::string bytes = serialize_model(small_model());
  std::string message;
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h.erase("features"); }), &message), "model_corrupt");
  EXPECT_NE(message.find("header has no 'features'"), std::string::npos) << message;
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h["calibration"].erase("method"); }), &message),
            "model_corrupt");
  EXPECT_NE(message.find("'calibration.method'"), std::string::npos) << message;
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h["scaler"]["mean"] = "x"; }), &message), "model_corrupt");
  EXPECT_NE(message.find("wrong type"), std::string::npos) << message;
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h["features"].push_back("extra"); })), "model_corrupt");
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h["format"] = "something.else"; })), "model_foreign");
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h["master_scale"]["grades"][1]["lower_pd"] = 0.5; })),
            "master_scale_invalid");
}

TEST(Artifact, InvalidTreeArraysAreRefusedEvenWithAValidChecksum) {
  const std::string bytes = serialize_model(small_model());
  const auto keep = [](nlohmann::json&) {};
  std::string message;
  // The root's left child pointing back at the root would loop forever.
  EXPECT_EQ(code_of(resign(bytes, keep, [](std::string& a) { std::memset(a.data(), 0, 4); }), &message),
            "model_corrupt");
  EXPECT_NE(message.find("invalid tree"), std::string::npos) << message;
  EXPECT_EQ(code_of(resign(bytes, keep, [](std::string& a) { a.resize(a.size() - 8); })), "model_corrupt");
  EXPECT_EQ(code_of(resign(bytes, keep, [](std::string& a) { a += "12345678"; })), "model_corrupt");
}

// Found with fuzz/artifact_reader_fuzzer.cpp: a profile shorter than the feature list was
// accepted, and `risklab ml evaluate` then read past its end.
TEST(Artifact, ProfileMustDescribeEveryFeature) {
  const std::string bytes = serialize_model(small_model());
  std::string message;
  EXPECT_EQ(code_of(resign(bytes, [](nlohmann::json& h) { h["profile"]["features"].erase(0); }),
                    &message),
            "model_corrupt");
  EXPECT_NE(message.find("profile.features"), std::string::npos) << message;
  EXPECT_EQ(
      code_of(resign(
          bytes, [](nlohmann::json& h) { h["profile"]["features"] = nlohmann::json::array(); })),
      "model_corrupt");
}

}  // namespace risklab::ml
