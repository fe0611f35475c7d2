import { createInterface } from "node:readline";
import { Writable } from "node:stream";

export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/** Reads one line from a terminal without echoing it; `say` shows the question on its own line. */
export function promptHidden(question: string, input: PromptInput, say: (line: string) => void): Promise<string> {
  const muted = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  return new Promise((resolve, reject) => {
    say(question);
    const rl = createInterface({ input, output: muted, terminal: true });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) reject(new Error("no passphrase was typed (input closed)"));
    });
  });
}

/** Reads one visible line (a yes/no answer); `say` shows the question. An input that closes answers "". */
export function promptLine(question: string, input: PromptInput, say: (line: string) => void): Promise<string> {
  return new Promise((resolve) => {
    say(question);
    const rl = createInterface({ input, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) resolve("");
    });
  });
}
