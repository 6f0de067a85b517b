// The lake suite, written once and run on the file backend and on Azurite with Shared Key and
// with a SAS (the fixture `azurite` starts the emulator). Backend-specific behaviour (tampering
// by hand, wrong credentials, URL parsing) follows the shared suite.
#include "lake/lake.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>

#include "core/error.hpp"
#include "core/sha256.hpp"
#include "lake/azure_blob_lake.hpp"
#include "lake/detail/azure_auth.hpp"
#include "lake/detail/http_client.hpp"
#include "lake/file_lake.hpp"
#include "support/temp_dir.hpp"

namespace risklab::lake {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// The running Azurite, from the file scripts/test-azurite.sh writes.
struct Azurite {
  std::string endpoint;
  std::string account;
  std::string key;
};

const Azurite& azurite() {
  static const Azurite server = [] {
    const char* file = std::getenv("RISKLAB_TEST_AZURITE");
    if (file == nullptr) file = RISKLAB_DEFAULT_AZURITE_ENV;
    std::map<std::string, std::string> values;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (const auto eq = line.find('='); eq != std::string::npos) {
        values[line.substr(0, eq)] = line.substr(eq + 1);
      }
    }
    Azurite result{values["RISKLAB_TEST_AZURITE_ENDPOINT"], values["RISKLAB_TEST_AZURITE_ACCOUNT"],
                   values["RISKLAB_TEST_AZURITE_KEY"]};
    if (result.endpoint.empty() || result.account.empty() || result.key.empty()) {
      throw std::runtime_error(std::string("Azurite is not running: ") + file +
                               " is missing or incomplete. Run the tests through ctest (fixture "
                               "azurite), or scripts/test-azurite.sh start DIR and set "
                               "RISKLAB_TEST_AZURITE=DIR/azurite.env");
    }
    return result;
  }();
  return server;
}

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

/// A container name no other test uses (Azurite's data lives until the fixture stops).
std::string unique_container() {
  static std::atomic<int> counter{0};
  std::random_device device;
  return "t" + std::to_string(device() % 1000000) + "-" + std::to_string(counter++);
}

std::string azure_url(const std::string& container, const std::string& options = "") {
  return "azure://" + azurite().account + "/" + container + "?endpoint=" + azurite().endpoint +
         options;
}

EnvLookup key_env() { return env_of({{"AZURE_STORAGE_KEY", azurite().key}}); }

EnvLookup sas_env(const std::string& container, const std::string& permissions = "racwdl") {
  return env_of({{"AZURE_STORAGE_SAS",
                  detail::make_container_sas(azurite().account, azurite().key, container,
                                             permissions, std::chrono::system_clock::now() + 1h)}});
}

/// A request straight to Azurite, signed with the account key, bypassing AzureBlobLake: how
/// the tests tamper with a blob behind the lake's back.
detail::HttpResponse raw_azure(const std::string& method, const std::string& container,
                               const std::string& key, std::map<std::string, std::string> headers,
                               std::string_view body) {
  const std::string path =
      "/" + azurite().account + "/" + container + "/" + key;  // path-style emulator URL
  headers["x-ms-version"] = std::string(detail::kAzureApiVersion);
  headers["x-ms-date"] = detail::rfc1123(std::chrono::system_clock::now());
  const detail::SignedRequest to_sign{
      method, path, {}, headers, body.empty() ? "" : std::to_string(body.size())};
  headers["authorization"] =
      detail::shared_key_authorization(azurite().account, azurite().key, to_sign);
  detail::HttpClient client(5s, 30s);
  detail::HttpResponse response;
  detail::TransportFailure failure;
  if (!client.perform({method, azurite().endpoint + "/" + container + "/" + key, headers, body},
                      response, failure)) {
    throw std::runtime_error("raw request to Azurite failed: " + failure.message);
  }
  return response;
}

/// Runs `action`, expects it to throw `E` with `code`, and returns the message.
template <class E>
std::string error_of(const std::function<void()>& action, const std::string& code) {
  try {
    action();
  } catch (const E& error) {
    EXPECT_EQ(error.code(), code) << error.what();
    return error.what();
  } catch (const std::exception& error) {
    ADD_FAILURE() << "expected code " << code << " but got: " << error.what();
    return error.what();
  }
  ADD_FAILURE() << "expected an error with code " << code << ", nothing was thrown";
  return {};
}

#define EXPECT_CONTAINS(text, part) \
  EXPECT_NE(std::string(text).find(part), std::string::npos) << "'" << (text) << "'"
#define EXPECT_LACKS(text, part) \
  EXPECT_EQ(std::string(text).find(part), std::string::npos) << "'" << (text) << "'"

std::string all_byte_values(std::size_t repeat) {
  std::string bytes;
  for (std::size_t r = 0; r < repeat; ++r) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  return bytes;
}

// --- the shared suite --------------------------------------------------------------------

constexpr std::size_t kTestBlockSize = 4096;
constexpr int kTestPageSize = 3;

class LakeTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "file") {
      url_ = "file://" + (dir_.path() / "lake").string();
      lake_ = open_lake(url_);
      ASSERT_TRUE(lake_->create_container());
      return;
    }
    container_ = unique_container();
    // Small blocks and pages so that block upload and list paging are exercised for real.
    url_ = azure_url(container_, "&block_size=" + std::to_string(kTestBlockSize) +
                                     "&page_size=" + std::to_string(kTestPageSize) + "&retries=1");
    ASSERT_TRUE(open_lake(url_, key_env())->create_container());
    lake_ = open_another();
  }

  bool azure() const { return GetParam() != "file"; }

  /// A second, independent handle on the same lake, as another process would open it.
  std::unique_ptr<Lake> open_another() const {
    if (GetParam() == "file") return open_lake(url_);
    return open_lake(url_, GetParam() == "azurite_sas" ? sas_env(container_) : key_env());
  }

  /// Changes an object's bytes behind the lake's back, leaving its recorded sha256 alone.
  void tamper(const std::string& key, const std::string& bytes) {
    if (!azure()) {
      std::ofstream out(dir_.path() / "lake" / key, std::ios::binary | std::ios::trunc);
      out << bytes;
      ASSERT_TRUE(out.good());
      return;
    }
    const std::string recorded = lake_->verify(key).sha256;
    const auto response = raw_azure("PUT", container_, key,
                                    {{"x-ms-blob-type", "BlockBlob"},
                                     {"content-type", "application/octet-stream"},
                                     {"x-ms-meta-sha256", recorded}},
                                    bytes);
    ASSERT_EQ(response.status, 201) << response.body;
  }

  test::TempDir dir_;
  std::string url_;
  std::string container_;
  std::unique_ptr<Lake> lake_;
};

TEST_P(LakeTest, PutIfAbsentTwiceWithIdenticalBytesIsIdempotent) {
  const std::string bytes = R"({"id":17,"defaulted":true})";
  const auto first = lake_->put_if_absent("ground_truth/date=2026-11-29/17.json", bytes);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.sha256, core::Sha256::of(bytes));
  const auto second = lake_->put_if_absent("ground_truth/date=2026-11-29/17.json", bytes);
  EXPECT_FALSE(second.created) << "the second put of identical bytes creates nothing";
  EXPECT_EQ(second.sha256, first.sha256);
  EXPECT_EQ(lake_->get("ground_truth/date=2026-11-29/17.json"), bytes);
}

TEST_P(LakeTest, PutIfAbsentWithDifferentBytesIsAConflictAndKeepsTheFirst) {
  lake_->put_if_absent("snapshots/s1/data.csv", "id,x\n1,2\n");
  const auto message = error_of<core::Conflict>(
      [&] { lake_->put_if_absent("snapshots/s1/data.csv", "id,x\n1,3\n"); }, "lake_object_exists");
  EXPECT_CONTAINS(message, "snapshots/s1/data.csv");
  EXPECT_EQ(lake_->get("snapshots/s1/data.csv"), "id,x\n1,2\n");
}

TEST_P(LakeTest, GetRoundTripsBinaryBytesAndEmptyObjects) {
  const std::string bytes = all_byte_values(3);
  ASSERT_EQ(bytes[0], '\0');
  lake_->put_if_absent("bin/all_bytes.bin", bytes);
  lake_->put_if_absent("bin/empty.bin", "");
  EXPECT_EQ(lake_->get("bin/all_bytes.bin"), bytes);
  EXPECT_EQ(lake_->get("bin/empty.bin"), "");
  EXPECT_EQ(open_another()->get("bin/all_bytes.bin"), bytes) << "read back by a fresh handle";
  const auto info = lake_->verify("bin/all_bytes.bin");
  EXPECT_EQ(info, (ObjectInfo{"bin/all_bytes.bin", bytes.size(), core::Sha256::of(bytes)}));
}

TEST_P(LakeTest, MissingObjectIsNotFoundNamingTheKey) {
  EXPECT_FALSE(lake_->exists("nothing/here.json"));
  const auto message =
      error_of<core::NotFound>([&] { lake_->get("nothing/here.json"); }, "lake_object_not_found");
  EXPECT_CONTAINS(message, "nothing/here.json");
  error_of<core::NotFound>([&] { lake_->verify("nothing/here.json"); }, "lake_object_not_found");
}

TEST_P(LakeTest, RemoveDeletesTheObjectAndItsHash) {
  lake_->put_if_absent("admin/old.json", "old");
  EXPECT_TRUE(lake_->exists("admin/old.json"));
  EXPECT_TRUE(lake_->remove("admin/old.json"));
  EXPECT_FALSE(lake_->exists("admin/old.json"));
  EXPECT_FALSE(lake_->remove("admin/old.json")) << "nothing left to remove";
  EXPECT_TRUE(lake_->list("admin/").empty());
  const auto again = lake_->put_if_absent("admin/old.json", "new");
  EXPECT_TRUE(again.created) << "after an admin removal the key is free again";
  EXPECT_EQ(lake_->get("admin/old.json"), "new");
}

TEST_P(LakeTest, ListsByPrefixAcrossPagesWithSizesAndHashes) {
  std::vector<ObjectInfo> expected;
  for (int i = 0; i < 8; ++i) {
    const std::string key = "snap/a/part-" + std::to_string(i) + ".csv";
    const std::string bytes(static_cast<std::size_t>(i * 10), static_cast<char>('a' + i));
    lake_->put_if_absent(key, bytes);
    expected.push_back({key, bytes.size(), core::Sha256::of(bytes)});
  }
  lake_->put_if_absent("snap/b/x.json", "{}");
  expected.push_back({"snap/b/x.json", 2, core::Sha256::of("{}")});
  lake_->put_if_absent("snapshot/y.json", "[]");
  lake_->put_if_absent("other/z.json", "z");

  EXPECT_EQ(lake_->list("snap/"), expected) << "9 objects: 3+ pages of " << kTestPageSize;
  const auto under_a = lake_->list("snap/a/part-");
  EXPECT_EQ(under_a.size(), 8u);
  EXPECT_EQ(lake_->list("snap").size(), 10u) << "a prefix need not end at a '/'";
  EXPECT_EQ(lake_->list("").size(), 11u);
  EXPECT_TRUE(lake_->list("none/").empty());
  const auto single = lake_->list("snap/a/part-7");
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].size, 70u);
}

TEST_P(LakeTest, TamperedObjectIsNamedByVerifyAndGet) {
  const std::string key = "snapshots/s2/data.csv";
  lake_->put_if_absent(key, "id,defaulted\n1,0\n2,1\n");
  EXPECT_NO_THROW(lake_->verify(key));
  tamper(key, "id,defaulted\n1,0\n2,0\n");
  const auto verify_message =
      error_of<core::Conflict>([&] { lake_->verify(key); }, "lake_integrity");
  EXPECT_CONTAINS(verify_message, key);
  EXPECT_CONTAINS(verify_message, core::Sha256::of("id,defaulted\n1,0\n2,1\n"));
  const auto get_message = error_of<core::Conflict>([&] { lake_->get(key); }, "lake_integrity");
  EXPECT_CONTAINS(get_message, key);
  const auto put_message = error_of<core::Conflict>(
      [&] { lake_->put_if_absent(key, "id,defaulted\n1,0\n2,1\n"); }, "lake_integrity");
  EXPECT_CONTAINS(put_message, key) << "a retried put never vouches for corrupt bytes";
}

TEST_P(LakeTest, InvalidKeysAreRefusedBeforeAnyIo) {
  for (const std::string& key :
       std::vector<std::string>{"", "/abs.json", "a/../b.json", "..", "a//b", "a/", "./a",
                                "a/.hidden", "sp ace", "semi;colon", "back\\slash", "q?x", "pct%41",
                                std::string("nul\0x", 5), "é.json", std::string(1025, 'k')}) {
    SCOPED_TRACE(key);
    error_of<core::InvalidInput>([&] { lake_->put_if_absent(key, "x"); }, "lake_bad_key");
    error_of<core::InvalidInput>([&] { lake_->get(key); }, "lake_bad_key");
    error_of<core::InvalidInput>([&] { lake_->exists(key); }, "lake_bad_key");
    error_of<core::InvalidInput>([&] { lake_->remove(key); }, "lake_bad_key");
  }
  for (const std::string& prefix :
       std::vector<std::string>{"/", "../", "a//", "a/../", "bad char"}) {
    SCOPED_TRACE(prefix);
    error_of<core::InvalidInput>([&] { lake_->list(prefix); }, "lake_bad_key");
  }
  const auto message = error_of<core::InvalidInput>(
      [&] { lake_->put_if_absent("a/../../etc/passwd", "x"); }, "lake_bad_key");
  EXPECT_CONTAINS(message, "a/../../etc/passwd");
  EXPECT_NO_THROW(lake_->put_if_absent("Upper_lower-09/date=2026-01-01/x.y.json", "ok"));
}

TEST_P(LakeTest, LargeObjectGoesUpInBlocksAndStaysCreateOnly) {
  const std::string bytes = all_byte_values(200);  // 51,200 bytes: 13 blocks of 4 KiB
  const auto first = lake_->put_if_absent("big/blob.bin", bytes);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(lake_->get("big/blob.bin"), bytes);
  if (azure()) {
    // Listing the blocks is not part of Lake; ask with the account key.
    AzureOptions options;
    options.account = azurite().account;
    options.container = container_;
    options.endpoint = azurite().endpoint;
    options.account_key = azurite().key;
    const auto blocks = AzureBlobLake(options).committed_blocks("big/blob.bin");
    EXPECT_EQ(blocks.size(), (bytes.size() + kTestBlockSize - 1) / kTestBlockSize);
  }
  EXPECT_FALSE(lake_->put_if_absent("big/blob.bin", bytes).created);
  std::string changed = bytes;
  changed[40000] ^= 1;
  error_of<core::Conflict>([&] { lake_->put_if_absent("big/blob.bin", changed); },
                           "lake_object_exists");
  EXPECT_EQ(lake_->verify("big/blob.bin").sha256, core::Sha256::of(bytes));
}

TEST_P(LakeTest, ConcurrentWritersOfOneKeyExactlyOneCreates) {
  const std::string big(3 * kTestBlockSize + 5, 'b');
  for (int round = 0; round < 12; ++round) {
    SCOPED_TRACE(round);
    const bool same = round % 2 == 0;
    const std::string key = "race/" + std::to_string(round) + ".json";
    const std::string base = round >= 10 ? big : "payload";
    // Two handles, as two processes would have; each thread races put_if_absent.
    std::array<std::unique_ptr<Lake>, 2> lakes = {open_another(), open_another()};
    std::array<std::string, 2> bytes = {base + "-0", same ? base + "-0" : base + "-1"};
    std::array<int, 2> outcome = {-1, -1};  // 1 created, 0 idempotent, 2 conflict
    std::latch start(2);
    std::array<std::thread, 2> threads;
    for (int w = 0; w < 2; ++w) {
      threads[static_cast<std::size_t>(w)] = std::thread([&, w] {
        const auto i = static_cast<std::size_t>(w);
        start.arrive_and_wait();
        try {
          outcome[i] = lakes[i]->put_if_absent(key, bytes[i]).created ? 1 : 0;
        } catch (const core::Conflict&) {
          outcome[i] = 2;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    const int created = (outcome[0] == 1) + (outcome[1] == 1);
    EXPECT_EQ(created, 1) << "outcomes " << outcome[0] << ", " << outcome[1];
    EXPECT_EQ(outcome[0] + outcome[1], same ? 1 : 3) << "the loser sees idempotent/conflict";
    const std::string stored = lake_->get(key);
    EXPECT_EQ(stored, bytes[outcome[0] == 1 ? 0 : 1]) << "the winner's bytes, verified";
  }
}

TEST_P(LakeTest, MissingContainerIsAClearUnavailableError) {
  std::unique_ptr<Lake> missing;
  std::string name;
  if (azure()) {
    name = unique_container();
    missing = open_lake(azure_url(name, "&retries=0"),
                        GetParam() == "azurite_sas" ? sas_env(name) : key_env());
  } else {
    name = (dir_.path() / "no-such-lake").string();
    missing = open_lake("file://" + name);
  }
  const std::string code = azure() ? "lake_container_not_found" : "lake_missing";
  for (const auto& action : std::vector<std::function<void()>>{
           [&] { missing->put_if_absent("a.json", "{}"); }, [&] { missing->get("a.json"); },
           [&] { missing->exists("a.json"); }, [&] { missing->list(""); }}) {
    const auto message = error_of<core::Unavailable>(action, code);
    EXPECT_CONTAINS(message, name);
    EXPECT_CONTAINS(message, "does not exist");
  }
}

TEST_P(LakeTest, DisplayUrlCarriesNoSecret) {
  const std::string shown = lake_->display_url();
  if (azure()) {
    EXPECT_CONTAINS(shown, container_);
    EXPECT_LACKS(shown, azurite().key);
    EXPECT_LACKS(shown, "sig=");
  } else {
    EXPECT_EQ(shown, url_);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, LakeTest,
                         ::testing::Values("file", "azurite_sharedkey", "azurite_sas"),
                         [](const auto& param_info) { return param_info.param; });

// --- URLs and credentials ----------------------------------------------------------------

TEST(LakeUrl, BadUrlsAreInvalidInputNamingWhatIsWrong) {
  const auto env = key_env();
  for (const auto& [url, part] : std::vector<std::pair<std::string, std::string>>{
           {"", "scheme"},
           {"s3://bucket/prefix", "'s3'"},
           {"file://", "file://DIR"},
           {"file://lake?x=1", "file://lake?x=1"},
           {"azure://", "no account"},
           {"azure://acct", "no container"},
           {"azure://acct/", "no container"},
           {"azure://acct/c1/extra", "one segment"},
           {"azure://acct:99/cont", "port"},
           {"azure://Bad_Account/cont", "account 'Bad_Account'"},
           {"azure://acct/UPPER", "container 'UPPER'"},
           {"azure://acct/cont?nope=1", "unknown option 'nope'"},
           {"azure://acct/cont?block_size=big", "block_size"},
           {"azure://acct/cont?page_size=0", "page_size"},
           {"azure://acct/cont?endpoint=ftp://x", "endpoint 'ftp://x'"},
       }) {
    SCOPED_TRACE(url);
    const auto message = error_of<core::InvalidInput>([&] { open_lake(url, env); }, "bad_lake_url");
    EXPECT_CONTAINS(message, part);
  }
}

TEST(LakeUrl, SecretsNeverAppearInErrors) {
  const auto message = error_of<core::InvalidInput>(
      [] { open_lake("azure://acct/cont?sig=TOPSECRET&sas=ALSOSECRET", key_env()); },
      "bad_lake_url");
  EXPECT_LACKS(message, "TOPSECRET");
  EXPECT_LACKS(message, "ALSOSECRET");
  const auto userinfo = error_of<core::InvalidInput>(
      [] { open_lake("azure://acct:PASSWORD@acct/cont", key_env()); }, "bad_lake_url");
  EXPECT_LACKS(userinfo, "PASSWORD");
  const auto bad_key = error_of<core::InvalidInput>(
      [] {
        open_lake("azure://acct/cont", env_of({{"AZURE_STORAGE_KEY", "not*base64!"}}));
      },
      "bad_lake_credentials");
  EXPECT_LACKS(bad_key, "not*base64!");
  error_of<core::InvalidInput>(
      [] {
        open_lake("azure://acct/cont", env_of({{"AZURE_STORAGE_SAS", "sv=2021-08-06"}}));
      },
      "bad_lake_credentials");
}

TEST(LakeUrl, AzureWithoutCredentialsNamesTheVariables) {
  const auto message = error_of<core::InvalidInput>(
      [] { open_lake("azure://acct/cont", env_of({})); }, "bad_lake_credentials");
  EXPECT_CONTAINS(message, "AZURE_STORAGE_KEY");
  EXPECT_CONTAINS(message, "AZURE_STORAGE_SAS");
  EXPECT_CONTAINS(message, "AZURE_STORAGE_CONNECTION_STRING");
}

TEST(LakeUrl, ConnectionStringForAnotherAccountIsRefused) {
  const auto message = error_of<core::InvalidInput>(
      [] {
        open_lake("azure://acct/cont", env_of({{"AZURE_STORAGE_CONNECTION_STRING",
                                                "AccountName=other;AccountKey=" + azurite().key}}));
      },
      "bad_lake_credentials");
  EXPECT_CONTAINS(message, "'other'");
  EXPECT_LACKS(message, azurite().key);
}

// --- Azure against Azurite -----------------------------------------------------------------

class AzureLake : public ::testing::Test {
 protected:
  void SetUp() override {
    container_ = unique_container();
    ASSERT_TRUE(open_lake(azure_url(container_), key_env())->create_container());
  }
  std::string container_;
};

TEST_F(AzureLake, CreateContainerIsExplicitAndIdempotent) {
  EXPECT_FALSE(open_lake(azure_url(container_), key_env())->create_container());
}

TEST_F(AzureLake, WrongKeyGivesAClearAuthenticationMessage) {
  const std::string wrong = detail::base64_encode(std::string(64, 'w'));
  const auto lake =
      open_lake(azure_url(container_, "&retries=0"), env_of({{"AZURE_STORAGE_KEY", wrong}}));
  const auto message =
      error_of<core::Unavailable>([&] { lake->put_if_absent("a.json", "{}"); }, "lake_auth_failed");
  EXPECT_CONTAINS(message, "authentication failed (bad key or clock skew?)");
  EXPECT_CONTAINS(message, azurite().account);
  EXPECT_CONTAINS(message, container_);
  EXPECT_CONTAINS(message, "403");
  EXPECT_LACKS(message, wrong);
  error_of<core::Unavailable>([&] { lake->list(""); }, "lake_auth_failed");
  error_of<core::Unavailable>([&] { lake->exists("a.json"); }, "lake_auth_failed");
}

TEST_F(AzureLake, SasSignedWithAWrongKeyGivesAClearAuthenticationMessage) {
  const std::string sas =
      detail::make_container_sas(azurite().account, detail::base64_encode(std::string(64, 'w')),
                                 container_, "racwdl", std::chrono::system_clock::now() + 1h);
  const auto lake =
      open_lake(azure_url(container_, "&retries=0"), env_of({{"AZURE_STORAGE_SAS", sas}}));
  const auto message =
      error_of<core::Unavailable>([&] { lake->get("a.json"); }, "lake_auth_failed");
  EXPECT_CONTAINS(message, "authentication failed");
  EXPECT_CONTAINS(message, "SAS");
  EXPECT_LACKS(message, sas.substr(sas.find("sig=")));
}

TEST_F(AzureLake, ReadOnlySasCanReadButNotWrite) {
  open_lake(azure_url(container_), key_env())->put_if_absent("r/one.json", "1");
  const auto reader = open_lake(azure_url(container_, "&retries=0"), sas_env(container_, "rl"));
  EXPECT_EQ(reader->get("r/one.json"), "1");
  EXPECT_EQ(reader->list("r/").size(), 1u);
  error_of<core::Unavailable>([&] { reader->put_if_absent("r/two.json", "2"); },
                              "lake_auth_failed");
}

TEST_F(AzureLake, ConnectionStringOpensTheSameLake) {
  const auto lake = open_lake(
      "azure://" + azurite().account + "/" + container_,
      env_of({{"AZURE_STORAGE_CONNECTION_STRING",
               "DefaultEndpointsProtocol=http;AccountName=" + azurite().account +
                   ";AccountKey=" + azurite().key + ";BlobEndpoint=" + azurite().endpoint + ";"}}));
  EXPECT_TRUE(lake->put_if_absent("cs/a.json", "via connection string").created);
  EXPECT_EQ(open_lake(azure_url(container_), key_env())->get("cs/a.json"), "via connection string");
}

TEST_F(AzureLake, EveryUploadRecordsContentMd5AndSha256) {
  const auto lake = open_lake(azure_url(container_, "&block_size=1000"), key_env());
  const std::string small = "small object";
  const std::string large = all_byte_values(10);  // 2,560 bytes: 3 blocks
  lake->put_if_absent("md5/small.bin", small);
  lake->put_if_absent("md5/large.bin", large);
  for (const auto& [key, bytes] : {std::pair{"md5/small.bin", small}, {"md5/large.bin", large}}) {
    SCOPED_TRACE(key);
    const auto head = raw_azure("HEAD", container_, key, {}, "");
    ASSERT_EQ(head.status, 200);
    // What get() checks the downloaded bytes against.
    EXPECT_EQ(head.headers.at("content-md5"), detail::base64_encode(detail::md5_binary(bytes)));
    EXPECT_EQ(head.headers.at("x-ms-meta-sha256"), core::Sha256::of(bytes));
  }
}

TEST_F(AzureLake, BlobWithoutRecordedHashIsRefused) {
  const auto lake = open_lake(azure_url(container_), key_env());
  ASSERT_EQ(raw_azure("PUT", container_, "foreign.bin",
                      {{"x-ms-blob-type", "BlockBlob"}, {"content-type", "text/plain"}}, "hi")
                .status,
            201);
  EXPECT_TRUE(lake->exists("foreign.bin"));
  const auto message =
      error_of<core::Conflict>([&] { lake->get("foreign.bin"); }, "lake_integrity");
  EXPECT_CONTAINS(message, "foreign.bin");
  EXPECT_CONTAINS(message, "no sha256");
  error_of<core::Conflict>([&] { lake->put_if_absent("foreign.bin", "hi"); }, "lake_object_exists");
}

/// A peer that answers every request with one fixed HTTP status and counts the requests: the
/// failures Azurite cannot be made to produce (an overloaded or failing service).
class FixedStatusServer {
 public:
  explicit FixedStatusServer(const std::string& status_line)
      : FixedStatusServer([status_line](const std::string&) {
          return "HTTP/1.1 " + status_line + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        }) {}
  /// Answers each request (head and body, as received) with what `respond` returns: a
  /// complete HTTP/1.1 response.
  explicit FixedStatusServer(std::function<std::string(const std::string&)> respond)
      : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    if (fd_ < 0 || ::bind(fd_, generic, length) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, generic, &length) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FixedStatusServer() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(fd_);
  }
  FixedStatusServer(const FixedStatusServer&) = delete;
  FixedStatusServer& operator=(const FixedStatusServer&) = delete;

  int port() const { return port_; }
  int requests() const { return requests_; }

 private:
  void serve() {
    for (;;) {
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      // Read the head and the body it announces, so the client sees a clean exchange.
      std::string request;
      char buffer[4096];
      std::size_t needed = std::string::npos;
      while (request.size() < needed) {
        const ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0) break;
        request.append(buffer, static_cast<std::size_t>(n));
        const auto head_end = request.find("\r\n\r\n");
        if (head_end != std::string::npos && needed == std::string::npos) {
          std::size_t body = 0;
          if (const auto at = request.find("Content-Length: "); at < head_end) {
            body = std::stoul(request.substr(at + 16));
          }
          needed = head_end + 4 + body;
        }
      }
      ++requests_;
      const std::string response = respond_(request);
      static_cast<void>(::write(client, response.data(), response.size()));
      ::close(client);
    }
  }

  std::function<std::string(const std::string&)> respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

std::unique_ptr<Lake> lake_at_port(int port, int retries) {
  return open_lake("azure://" + azurite().account + "/cont?retries=" + std::to_string(retries) +
                       "&endpoint=http://127.0.0.1:" + std::to_string(port) + "/" +
                       azurite().account,
                   key_env());
}

TEST(AzureLakeNetwork, ServerErrorsAreRetriedABoundedNumberOfTimes) {
  FixedStatusServer busy("503 Server Busy");
  const auto message = error_of<core::Unavailable>(
      [&] { lake_at_port(busy.port(), 2)->put_if_absent("a.json", "{}"); }, "lake_unavailable");
  EXPECT_EQ(busy.requests(), 3) << "one attempt and two retries";
  EXPECT_CONTAINS(message, "HTTP 503");
  EXPECT_CONTAINS(message, "after 3 attempts");
  EXPECT_CONTAINS(message, "'a.json'");
}

TEST(AzureLakeNetwork, ClientErrorsAreNotRetried) {
  FixedStatusServer refusing("400 Bad Request");
  const auto message = error_of<core::Unavailable>(
      [&] { lake_at_port(refusing.port(), 3)->get("a.json"); }, "lake_error");
  EXPECT_EQ(refusing.requests(), 1);
  EXPECT_CONTAINS(message, "HTTP 400");
}

TEST(AzureLakeNetwork, ConnectionRefusedIsUnavailableAfterBoundedRetries) {
  // A port nothing listens on any more.
  const int port = FixedStatusServer("503 Server Busy").port();
  const auto lake = lake_at_port(port, 2);
  const auto started = std::chrono::steady_clock::now();
  const auto message =
      error_of<core::Unavailable>([&] { lake->put_if_absent("a.json", "{}"); }, "lake_unreachable");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_CONTAINS(message, "after 3 attempts");
  EXPECT_CONTAINS(message, "127.0.0.1:" + std::to_string(port));
  // Two backoffs of at most 250 ms and 500 ms: bounded, not hanging.
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 5s);
}

/// What Azure does and Azurite does not: refuse a Shared Key request whose x-ms-date is more
/// than 15 minutes away from the service's clock (403 AuthenticationFailed, "Request date
/// header too old"), with the service's time in the Date header. Anything else is created (201).
std::string azure_date_check(const std::string& request) {
  const auto at = request.find("x-ms-date: ");
  std::chrono::system_clock::time_point sent{};
  const bool dated =
      at != std::string::npos &&
      detail::parse_rfc1123(request.substr(at + 11, request.find("\r\n", at) - at - 11), sent);
  const auto now = std::chrono::system_clock::now();
  const std::string date = "Date: " + detail::rfc1123(now) + "\r\n";
  if (!dated || std::chrono::abs(now - sent) > 15min) {
    const std::string body =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code>"
        "<Message>Server failed to authenticate the request. Request date header too old"
        "</Message></Error>";
    return "HTTP/1.1 403 Server failed to authenticate the request\r\n" + date +
           "x-ms-error-code: AuthenticationFailed\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
  }
  return "HTTP/1.1 201 Created\r\n" + date + "Content-Length: 0\r\nConnection: close\r\n\r\n";
}

EnvLookup skewed_key_env(const std::string& seconds) {
  return env_of(
      {{"AZURE_STORAGE_KEY", azurite().key}, {"RISKLAB_LAKE_CLOCK_SKEW_SECONDS", seconds}});
}

TEST(AzureLakeClock, Rfc1123DatesRoundTripToTheSecond) {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::chrono::system_clock::time_point parsed{};
  ASSERT_TRUE(detail::parse_rfc1123(detail::rfc1123(now), parsed)) << detail::rfc1123(now);
  EXPECT_EQ(parsed, now);
  ASSERT_TRUE(detail::parse_rfc1123("Sun, 29 Nov 2026 08:04:50 GMT", parsed));
  EXPECT_EQ(detail::iso8601(parsed), "2026-11-29T08:04:50Z");
  EXPECT_FALSE(detail::parse_rfc1123("2026-11-29T08:04:50Z", parsed));
}

TEST(AzureLakeClock, SkewedClockResyncsFromTheServersDateAndRetriesOnce) {
  FixedStatusServer azure(azure_date_check);
  auto lake =
      open_lake("azure://" + azurite().account + "/cont?retries=0&endpoint=http://127.0.0.1:" +
                    std::to_string(azure.port()) + "/" + azurite().account,
                skewed_key_env("-3600"));
  EXPECT_TRUE(lake->put_if_absent("a.json", "{}").created);
  EXPECT_EQ(azure.requests(), 2) << "refused once for the date, then signed with the server's time";
  const auto correction = dynamic_cast<AzureBlobLake&>(*lake).clock_correction();
  EXPECT_NEAR(std::chrono::duration<double>(correction).count(), 3600.0, 5.0);
  EXPECT_TRUE(lake->put_if_absent("b.json", "{}").created);
  EXPECT_EQ(azure.requests(), 3) << "the correction is kept: no second refusal";
}

TEST(AzureLakeClock, ClockAheadIsCorrectedToo) {
  FixedStatusServer azure(azure_date_check);
  auto lake = open_lake("azure://" + azurite().account + "/cont?endpoint=http://127.0.0.1:" +
                            std::to_string(azure.port()) + "/" + azurite().account,
                        skewed_key_env("7200"));
  EXPECT_TRUE(lake->put_if_absent("a.json", "{}").created);
  EXPECT_EQ(azure.requests(), 2);
}

TEST(AzureLakeClock, ForbiddenWithinTheToleranceIsAnAuthErrorWithoutRetry) {
  // A 403 while the clocks agree (a wrong key, a revoked SAS) is not skew: no re-sync, no retry.
  FixedStatusServer azure([](const std::string&) {
    return "HTTP/1.1 403 Forbidden\r\nDate: " + detail::rfc1123(std::chrono::system_clock::now()) +
           "\r\nx-ms-error-code: AuthenticationFailed\r\nContent-Length: 0\r\n"
           "Connection: close\r\n\r\n";
  });
  auto lake = open_lake("azure://" + azurite().account + "/cont?endpoint=http://127.0.0.1:" +
                            std::to_string(azure.port()) + "/" + azurite().account,
                        key_env());
  error_of<core::Unavailable>([&] { lake->put_if_absent("a.json", "{}"); }, "lake_auth_failed");
  EXPECT_EQ(azure.requests(), 1);
  EXPECT_EQ(dynamic_cast<AzureBlobLake&>(*lake).clock_correction().count(), 0);
}

TEST_F(AzureLake, AzuriteAcceptsAnHourOfSkewSoTheDateCheckIsTestedAgainstAStandIn) {
  // Azurite does not check x-ms-date (the limitation behind the stand-in above): a client an
  // hour behind still works against it, and learns no correction.
  auto lake = open_lake(azure_url(container_), skewed_key_env("-3600"));
  EXPECT_TRUE(lake->put_if_absent("skewed.json", "{}").created);
  EXPECT_EQ(dynamic_cast<AzureBlobLake&>(*lake).clock_correction().count(), 0);
}

TEST(LakeUrl, ClockSkewMustBeWholeSeconds) {
  error_of<core::InvalidInput>([] { open_lake(azure_url("cont"), skewed_key_env("1h")); },
                               "bad_lake_clock_skew");
}

// --- file backend specifics ----------------------------------------------------------------

TEST(FileLakeLayout, ObjectsArePlainFilesWithSha256sumSidecars) {
  test::TempDir dir;
  const auto lake = open_lake("file://" + dir.path().string());
  lake->put_if_absent("a/b.json", "{\"x\":1}");
  std::ifstream object(dir.path() / "a" / "b.json", std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(object), {}), "{\"x\":1}");
  std::ifstream sidecar(dir.path() / "a" / ".b.json.sha256");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(sidecar), {}),
            core::Sha256::of("{\"x\":1}") + "  b.json\n");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path() / "a")) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".b.json.sha256", "b.json"}))
      << "no temporary file is left behind";
}

TEST(FileLakeLayout, MissingHashIsRefusedUntilTheSameBytesArePutAgain) {
  test::TempDir dir;
  const auto lake = open_lake("file://" + dir.path().string());
  lake->put_if_absent("g/1.json", "one");
  // What a crash between the object's link and its sidecar leaves behind.
  fs::remove(dir.path() / "g" / ".1.json.sha256");
  const auto message = error_of<core::Conflict>([&] { lake->get("g/1.json"); }, "lake_integrity");
  EXPECT_CONTAINS(message, "g/1.json");
  EXPECT_EQ(lake->list("g/")[0].sha256, "") << "list shows that no hash is recorded";
  error_of<core::Conflict>([&] { lake->put_if_absent("g/1.json", "two"); }, "lake_object_exists");
  EXPECT_FALSE(lake->put_if_absent("g/1.json", "one").created) << "the retry restores the hash";
  EXPECT_EQ(lake->get("g/1.json"), "one");
}

TEST(FileLakeLayout, KeyBelowAnObjectIsAClash) {
  test::TempDir dir;
  const auto lake = open_lake("file://" + dir.path().string());
  lake->put_if_absent("a", "object");
  error_of<core::Conflict>([&] { lake->put_if_absent("a/b", "x"); }, "lake_key_clash");
  lake->put_if_absent("d/e", "x");
  error_of<core::Conflict>([&] { lake->put_if_absent("d", "x"); }, "lake_key_clash");
  EXPECT_FALSE(lake->exists("d")) << "a folder is not an object";
}

TEST(FileLakeLayout, UnusableDirectoryIsUnavailableNamingThePath) {
  test::TempDir dir;
  const std::string file = dir.write("not-a-dir", "x");
  const auto lake = open_lake("file://" + file);
  const auto message =
      error_of<core::Unavailable>([&] { lake->put_if_absent("a.json", "{}"); }, "lake_io_error");
  EXPECT_CONTAINS(message, file);
  const auto below = open_lake("file://" + file + "/lake");
  const auto create_message =
      error_of<core::Unavailable>([&] { below->create_container(); }, "lake_io_error");
  EXPECT_CONTAINS(create_message, file);
}

TEST(FileLakeLayout, RelativeDirectoryIsResolvedWhenOpened) {
  test::TempDir dir;
  const auto previous = fs::current_path();
  fs::current_path(dir.path());
  const auto lake = open_lake("file://lake");
  fs::current_path(previous);
  EXPECT_EQ(lake->display_url(), "file://" + (dir.path() / "lake").string());
  EXPECT_TRUE(lake->create_container());
  EXPECT_FALSE(lake->create_container());
  lake->put_if_absent("x.json", "1");
  EXPECT_TRUE(fs::exists(dir.path() / "lake" / "x.json"));
}

}  // namespace
}  // namespace risklab::lake
