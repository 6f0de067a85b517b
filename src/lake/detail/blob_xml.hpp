#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lake/lake.hpp"

// The Blob service answers List Blobs and errors in XML. Debian offers no XML library among
// RiskLab's dependencies, and these documents have a fixed, flat shape, so the few elements we
// need are picked out by hand: element text between <Name> and </Name>, entities decoded.
namespace risklab::lake::detail {

/// The text of the first <name>...</name> in `xml` (entities decoded), "" if absent.
std::string xml_text(std::string_view xml, std::string_view name);

/// One page of a List Blobs answer.
struct BlobListPage {
  std::vector<ObjectInfo> blobs;  ///< sha256 from the blob's "sha256" metadata, if any
  std::string next_marker;        ///< "" on the last page
};

/// Parses an EnumerationResults document (List Blobs with include=metadata).
BlobListPage parse_blob_list(std::string_view xml);

/// The block names in a Get Block List answer, in order.
std::vector<std::string> parse_block_names(std::string_view xml);

/// The <BlockList> body of Put Block List, committing `block_ids` (base64) in order.
std::string block_list_xml(const std::vector<std::string>& block_ids);

}  // namespace risklab::lake::detail
