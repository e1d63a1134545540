// `daffi controller --auth FILE`: the auth option as JSON; a token "env:NAME" is read from the environment.
import * as fs from "node:fs";
import { ConfigurationError } from "../errors/DaffiError";
import { type AuthOptions, checkAuthOptions } from "./AuthOptions";

export function loadAuthFile(file: string, env: NodeJS.ProcessEnv = process.env): AuthOptions {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigurationError(`cannot read the auth file '${file}': ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the mistake, which may be a token.
    throw new ConfigurationError(`the auth file '${file}' is not valid JSON`);
  }
  const identities = (parsed as { identities?: unknown } | null)?.identities;
  if (typeof identities === "object" && identities !== null) {
    for (const [name, identity] of Object.entries(identities as Record<string, { token?: unknown }>)) {
      const token = identity?.token;
      if (typeof token !== "string" || !token.startsWith("env:")) continue;
      const variable = token.slice("env:".length);
      const value = env[variable];
      if (!value) throw new ConfigurationError(`auth file '${file}': identity '${name}' takes its token from $${variable}, which is not set`);
      identity.token = value;
    }
  }
  return checkAuthOptions(parsed);
}
