#pragma once
// Strict request parsing: a request that protobuf cannot parse gets INVALID_ARGUMENT that names
// the field path and the problem. Without it, gRPC answers INTERNAL with an empty message.
//
// WHAT gRPC 1.51 DOES BY DEFAULT. A synchronous unary handler is created in the generated
// `<file>.grpc.pb.cc` as `grpc::internal::RpcMethodHandler<Service, Req, Resp, MessageLite,
// MessageLite>`. Its Deserialize calls `SerializationTraits<MessageLite>::Deserialize`, then
// `GenericDeserialize` (grpcpp/impl/codegen/proto_utils.h). If `ParseFromZeroCopyStream` fails,
// the status is INTERNAL with `InitializationErrorString()`, which is "" in proto3. RunHandler
// skips our handler and sends that status. This also covers a proto3 `string` that is not UTF-8.
// Protobuf also logs "String field '...' contains invalid UTF-8 data ..." to stderr every time,
// so a client sending bad requests over and over can flood the logs.
//
// WHY NOT `SerializationTraits<Req>`. The sync unary handler never consults it: the base types
// make the call `UnaryDeserializeHelper<MessageLite>` (grpcpp/support/method_handler.h). An
// explicit specialisation for OpenCaseRequest, force-included into the .grpc.pb.cc, was tried
// and had no effect. Specialising `SerializationTraits<MessageLite>` would change every protobuf
// message in every translation unit and library, so it is not an option either.
//
// WHAT WE DO. strict_parse_hook.h declares a partial specialisation of exactly that handler
// (`RpcMethodHandler<S, Req, Resp, MessageLite, MessageLite>` for any Req derived from
// google::protobuf::Message). Its RunHandler delegates to gRPC's own handler, so status and
// metadata handling are gRPC's. Its Deserialize calls StrictParse below. StrictParse first walks
// the wire bytes using the request's Descriptor (DiagnoseWire). It recurses into sub-messages,
// repeated fields and map entries. It checks every proto3 `string` with our own RFC 3629 check.
// The first problem found becomes INVALID_ARGUMENT, e.g.
//   order_id: not valid UTF-8 (byte 3)            (byte = 0-based offset in the field's value)
//   policy.returnless_rules[1].categories[0]: not valid UTF-8 (byte 0)
//   request: not a valid aftersales.ticket.v1.OpenCaseRequest (protobuf wire format)
//   amount: not a valid aftersales.common.v1.Money (protobuf wire format)   (that part is broken)
// Only bytes that pass the walk are handed to protobuf's parser. Protobuf therefore never sees
// invalid UTF-8 in a string field and never logs it. No global log handler is involved.
// [i] counts the repeated field's occurrences on the wire.
//
// HOW IT IS WIRED (protos/CMakeLists.txt, end). Every `*.grpc.pb.cc` source of
// `aftersales_protos` is compiled with `-include libs/server/strict_parse_hook.h`. The loop
// runs over the target's sources, so a new .proto under protos/aftersales/ (refund, logistics,
// ...) gets the hook with no further change. GCC handles `-include` as if the header were line
// 1 of the file. So the specialisation is declared before the generated
// `Service::Service()` instantiates the handler. That constructor is the only code that names
// these handler types; the AsyncService, Callback and Streamed templates use other handler
// classes. Within one program, every translation unit that uses the specialisation therefore
// sees it. aftersales_protos links aftersales_strict_parse (PRIVATE: link only).
//
// LIMITATIONS. Only synchronous unary RPCs are covered, the only kind in protos/aftersales
// today. These keep gRPC's default handling:
//  - Server-streaming RPCs (ServerStreamingHandler).
//  - Client/bidi-streaming RPCs: gRPC discards the Deserialize status there, and Read() just
//    returns false.
//  - The async and callback APIs.
// Each request is read twice: the walk, then the parse. That is cheap next to an RPC. Groups
// (proto2 only) are skipped without looking inside. If a future gRPC stops instantiating
// RpcMethodHandler with MessageLite bases, the specialisation silently stops applying.
// strict_parse_test catches that over a real socket.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpc/byte_buffer.h"
#include "grpcpp/support/status.h"

namespace aftersales::server {

// Offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequence), or npos.
std::size_t FirstInvalidUtf8(std::string_view text);

// Why `bytes` is not an acceptable serialised `type`. The message names the field path, e.g.
// "order_id: not valid UTF-8 (byte 3)". nullopt when the bytes are well-formed: then protobuf
// parses them without a UTF-8 error.
std::optional<std::string> DiagnoseWire(const google::protobuf::Descriptor& type, std::string_view bytes);

// DiagnoseWire, then parse into `message`. Returns INVALID_ARGUMENT with the diagnosis, or OK.
grpc::Status StrictParse(std::string_view bytes, google::protobuf::Message* message);

// The same for a gRPC payload. Takes ownership of `payload` and destroys it (nullptr: INTERNAL
// "No payload", as gRPC).
grpc::Status StrictParse(grpc_byte_buffer* payload, google::protobuf::Message* message);

}  // namespace aftersales::server
