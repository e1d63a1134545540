// The bytes of daffi's messages this process sent and received over gRPC (links to a controller,
// direct links, a controller's links to its nodes): counted where batches are encoded and decoded.

export const traffic = { sent: 0, received: 0 };
