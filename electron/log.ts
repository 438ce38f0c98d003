/** Where the shell reports what happens (stderr in the app, an array in tests). */
export interface DesktopLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A log that writes `[atelier desktop] level: message` lines to a stream. */
export function streamLog(write: (line: string) => void): DesktopLog {
  const at = (level: string) => (message: string) => write(`[atelier desktop] ${level}: ${message}\n`);
  return { info: at("info"), warn: at("warn"), error: at("error") };
}
