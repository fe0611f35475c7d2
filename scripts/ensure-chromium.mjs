#!/usr/bin/env node
// The browser tests drive Debian's Chromium through playwright-core (which downloads no
// browser). On a fresh machine it is missing: install it with apt-get when we are root,
// otherwise say exactly what to run.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { CHROMIUM } from "./chromium.mjs";

if (existsSync(CHROMIUM)) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
if (!isRoot || !hasApt) {
  console.error(
    `The browser tests need Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH to its path.`,
  );
  process.exit(1);
}
console.log("installing Debian's chromium for the browser tests (apt-get)...");
const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "inherit", env });
if (!existsSync(CHROMIUM)) {
  console.error(`apt-get installed chromium but ${CHROMIUM} is still missing; set CHROMIUM_PATH to its path.`);
  process.exit(1);
}
