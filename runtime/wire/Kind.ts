// Frame kinds and call modes, mirroring the enums of proto/daffi.proto (a test checks they agree).

export const Kind = {
  HELLO: 1,
  WELCOME: 2,
  REGISTER: 3,
  REGISTRY: 4,
  CALL: 5,
  RESULT: 6,
  ERROR: 7,
  CANCEL: 8,
  ACCEPTED: 9,
  STREAM_ITEM: 10,
  STREAM_END: 11,
  CREDIT: 12,
  PING: 13,
  PONG: 14,
  TICKET: 15,
  PROOF: 16,
  GOAWAY: 17,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export const Mode = {
  FG: 0,
  BG: 1,
  NO_RETURN: 2,
  BROADCAST: 3,
  PERIOD: 4,
} as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** Each mode's name, as the modifiers are called (interceptors see it). */
export const MODE_NAMES = { [Mode.FG]: "FG", [Mode.BG]: "BG", [Mode.NO_RETURN]: "NO_RETURN", [Mode.BROADCAST]: "BROADCAST", [Mode.PERIOD]: "PERIOD" } as const;
