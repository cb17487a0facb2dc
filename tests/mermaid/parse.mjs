// Parses each Mermaid diagram given on standard input (separated by lines "%% next") with
// Mermaid's own parser; prints "ok" per diagram, or the parse error and exits 1.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  for (const diagram of input.split("\n%% next\n")) {
    try {
      await mermaid.parse(diagram);
      console.log("ok");
    } catch (error) {
      console.log(`error: ${error.message}\n${diagram}`);
      process.exit(1);
    }
  }
});
