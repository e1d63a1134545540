// The protocol's version, and bounds on what a peer may send that the controller must read before it knows who the peer is.

/**
 * The version a node states in HELLO; a controller admits only its own. 2: answers carry the
 * caller's incarnation (a node of version 1 would never get its answers).
 */
export const PROTOCOL_VERSION = 2;

/** The longest process or callback name, in characters. */
export const MAX_NAME_LENGTH = 1000;

/** The most callbacks one node may register. */
export const MAX_CALLBACKS_PER_NODE = 100_000;

/** The largest HELLO payload: read before the peer proved anything. A node with more callbacks announces them after WELCOME. */
export const MAX_HELLO_BYTES = 1024 * 1024;

/** The largest REGISTER payload. */
export const MAX_REGISTER_BYTES = 16 * 1024 * 1024;

/** A call's `accept` at most: 64 contract fingerprints of 64 characters. */
export const MAX_ACCEPT_LENGTH = 64 * 65;
