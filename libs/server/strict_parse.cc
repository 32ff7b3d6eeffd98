#include "libs/server/strict_parse.h"

#include <climits>
#include <cstdint>
#include <utility>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpc/byte_buffer_reader.h"
#include "grpc/slice.h"

namespace aftersales::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;

// Protobuf's own limit (CodedInputStream::GetDefaultRecursionLimit()); deeper nesting fails its
// parse, and stopping there keeps our recursion bounded too.
constexpr int kMaxDepth = 100;

// Protobuf 3.21 rejects a string field with bad UTF-8 at parse time exactly when the field is
// declared in a proto3 file (cpp::GetUtf8CheckMode == kStrict); proto2 strings are not checked.
bool ChecksUtf8(const FieldDescriptor& field) {
  return field.type() == FieldDescriptor::TYPE_STRING && field.file()->syntax() == FileDescriptor::SYNTAX_PROTO3;
}

// Walks one message's fields on the wire, as protobuf's parser would read them. Stops at the
// first problem and keeps the path that leads to it.
class Walker {
 public:
  explicit Walker(std::string_view bytes)
      : in_(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size())) {}

  // True when the message (up to the current limit or the end of input) is acceptable.
  bool Walk(const Descriptor& type, int depth) {
    std::vector<int> seen;  // per field index: occurrences so far, for "[i]"
    for (;;) {
      const uint32_t tag = in_.ReadTag();
      if (tag == 0) {
        // 0 is returned both at a clean end and for a broken varint / field number 0.
        return in_.ConsumedEntireMessage() || NotValid(type);
      }
      if (WireFormatLite::GetTagFieldNumber(tag) == 0) return NotValid(type);
      const auto wire_type = WireFormatLite::GetTagWireType(tag);
      // An END_GROUP outside a group ends the parse early: protobuf fails the message.
      if (wire_type == WireFormatLite::WIRETYPE_END_GROUP) return NotValid(type);
      const FieldDescriptor* field = type.FindFieldByNumber(WireFormatLite::GetTagFieldNumber(tag));
      const bool is_string = field != nullptr && ChecksUtf8(*field);
      const bool is_message = field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE;
      if (wire_type != WireFormatLite::WIRETYPE_LENGTH_DELIMITED || !(is_string || is_message)) {
        // Unknown field, a field we need not look into, or a wire type that does not match the
        // declaration (protobuf keeps those as unknown fields): only the framing must hold.
        if (!WireFormatLite::SkipField(&in_, tag)) return NotValid(type);
        continue;
      }
      int length = 0;
      if (!in_.ReadVarintSizeAsInt(&length)) return NotValid(type);
      int index = -1;
      if (field->is_repeated()) {
        if (seen.empty()) seen.resize(static_cast<std::size_t>(type.field_count()), 0);
        index = seen[static_cast<std::size_t>(field->index())]++;
      }
      if (is_string) {
        if (!in_.ReadString(&scratch_, length)) return NotValid(type);
        const std::size_t bad = FirstInvalidUtf8(scratch_);
        if (bad != std::string_view::npos) {
          path_.emplace_back(field, index);
          problem_ = Path() + ": not valid UTF-8 (byte " + std::to_string(bad) + ")";
          return false;
        }
        continue;
      }
      path_.emplace_back(field, index);
      const Descriptor& sub = *field->message_type();
      if (depth + 1 > kMaxDepth) {
        problem_ = Path() + ": nested more than " + std::to_string(kMaxDepth) + " levels deep";
        return false;
      }
      // The input ends before the sub-message's declared length. (PushLimit would silently keep
      // the outer limit, the end of the input, so this is checked first.)
      if (length > in_.BytesUntilLimit()) return NotValid(sub);
      const auto limit = in_.PushLimit(length);
      if (!Walk(sub, depth + 1)) return false;
      in_.PopLimit(limit);
      path_.pop_back();
    }
  }

  std::string problem() && { return std::move(problem_); }

 private:
  bool NotValid(const Descriptor& type) {
    problem_ = (path_.empty() ? std::string("request") : Path()) + ": not a valid " + type.full_name() +
               " (protobuf wire format)";
    return false;
  }

  std::string Path() const {
    std::string out;
    for (const auto& [field, index] : path_) {
      if (!out.empty()) out += '.';
      out += field->name();
      if (index >= 0) out += "[" + std::to_string(index) + "]";
    }
    return out;
  }

  CodedInputStream in_;
  std::vector<std::pair<const FieldDescriptor*, int>> path_;
  std::string scratch_;
  std::string problem_;
};

}  // namespace

std::size_t FirstInvalidUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char lead = p[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    // RFC 3629 section 4: the allowed range of the second byte depends on the lead byte; later
    // bytes are plain continuation bytes (80..BF).
    std::size_t length = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) lo = 0xA0;  // no overlong forms
      if (lead == 0xED) hi = 0x9F;  // no surrogates D800..DFFF
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) lo = 0x90;  // no overlong forms
      if (lead == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return i;  // 80..C1 (continuation or overlong lead), F5..FF
    }
    if (n - i < length || p[i + 1] < lo || p[i + 1] > hi) return i;
    for (std::size_t k = 2; k < length; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
    }
    i += length;
  }
  return std::string_view::npos;
}

std::optional<std::string> DiagnoseWire(const Descriptor& type, std::string_view bytes) {
  if (bytes.size() >= static_cast<std::size_t>(INT_MAX)) {  // CodedInputStream counts in int
    return "request: too large to be a " + type.full_name();
  }
  Walker walker(bytes);
  if (walker.Walk(type, 0)) return std::nullopt;
  return std::move(walker).problem();
}

grpc::Status StrictParse(std::string_view bytes, google::protobuf::Message* message) {
  const Descriptor& type = *message->GetDescriptor();
  if (auto problem = DiagnoseWire(type, bytes)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, *problem);
  }
  // DiagnoseWire rules out what protobuf would reject for UTF-8, so this parse logs nothing.
  // The check stays because the walk does not replicate every limit of protobuf's parser.
  if (!message->ParsePartialFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request: not a valid " + type.full_name() + " (protobuf wire format)");
  }
  if (!message->IsInitialized()) {  // proto2 `required`; never in proto3
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request: missing required fields: " + message->InitializationErrorString());
  }
  return grpc::Status::OK;
}

grpc::Status StrictParse(grpc_byte_buffer* payload, google::protobuf::Message* message) {
  if (payload == nullptr) return grpc::Status(grpc::StatusCode::INTERNAL, "No payload");
  grpc_byte_buffer_reader reader;
  if (grpc_byte_buffer_reader_init(&reader, payload) == 0) {  // decompresses if need be
    grpc_byte_buffer_destroy(payload);
    return grpc::Status(grpc::StatusCode::INTERNAL, "Couldn't initialize byte buffer reader");
  }
  grpc_slice flat = grpc_byte_buffer_reader_readall(&reader);
  grpc_byte_buffer_reader_destroy(&reader);
  grpc_byte_buffer_destroy(payload);
  grpc::Status status = StrictParse(
      std::string_view(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(flat)), GRPC_SLICE_LENGTH(flat)), message);
  grpc_slice_unref(flat);
  return status;
}

}  // namespace aftersales::server
