// `node -r dist/bench/trace/preload.js …`: marks every Batch a daffi process encodes or decodes.
// Loaded before the runtime, so the gRPC service definition picks up the wrapped codec.
import { mark, tracing } from "./marks";
import * as batchCodec from "../../runtime/wire/batchCodec";

if (tracing) {
  const codec = batchCodec as {
    encodeBatch: typeof batchCodec.encodeBatch;
    decodeBatch: typeof batchCodec.decodeBatch;
    decodeBatchForwarding: typeof batchCodec.decodeBatchForwarding;
  };
  const { encodeBatch, decodeBatch, decodeBatchForwarding } = batchCodec;
  codec.encodeBatch = (batch) => {
    mark("encode");
    return encodeBatch(batch);
  };
  // Nodes decode with decodeBatch, the controller with decodeBatchForwarding.
  codec.decodeBatch = (bytes) => {
    mark("decode");
    return decodeBatch(bytes);
  };
  codec.decodeBatchForwarding = (bytes) => {
    mark("decode");
    return decodeBatchForwarding(bytes);
  };
}
