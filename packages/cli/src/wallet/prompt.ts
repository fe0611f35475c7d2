import { createInterface, type ReadLineOptions } from "node:readline";
import { Writable } from "node:stream";

export interface PromptInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

/** Shows the question, reads one line; an input that closes first gives `onClose()` instead. */
function readOne(question: string, say: (line: string) => void, rl: ReadLineOptions, onClose: () => string | Error): Promise<string> {
  return new Promise((resolve, reject) => {
    say(question);
    const lines = createInterface(rl);
    let answered = false;
    lines.once("line", (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once("close", () => {
      if (answered) return;
      const r = onClose();
      if (r instanceof Error) reject(r);
      else resolve(r);
    });
  });
}

/** Reads one line from a terminal without echoing it; `say` shows the question on its own line. */
export function promptHidden(question: string, input: PromptInput, say: (line: string) => void): Promise<string> {
  const muted = new Writable({
    write(_chunk, _enc, cb) {
      cb();
    },
  });
  return readOne(question, say, { input, output: muted, terminal: true }, () => new Error("no passphrase was typed (input closed)"));
}

/** Reads one visible line (a yes/no answer); `say` shows the question. An input that closes answers "". */
export function promptLine(question: string, input: PromptInput, say: (line: string) => void): Promise<string> {
  return readOne(question, say, { input, terminal: false }, () => "");
}
