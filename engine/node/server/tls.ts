import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";

/**
 * Reads a PEM certificate (chain) and its private key for the HTTPS server, checking they form a
 * usable pair at once: a wrong file fails here with its name, not at the first connection.
 */
export async function readTlsFiles(certFile: string, keyFile: string): Promise<{ cert: string; key: string }> {
  const read = async (file: string, what: string) => {
    try {
      return await readFile(file, "utf8");
    } catch (e) {
      throw new Error(
        `Cannot read the TLS ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  };
  const [cert, key] = await Promise.all([read(certFile, "certificate"), read(keyFile, "key")]);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new Error(
      `The TLS certificate ${certFile} and key ${keyFile} are not a usable PEM pair: ${(e as Error).message}`,
    );
  }
  return { cert, key };
}
