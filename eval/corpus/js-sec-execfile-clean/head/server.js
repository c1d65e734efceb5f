import express from "express";
import { execFile } from "node:child_process";

const app = express();
app.get("/health", (_req, res) => res.send("ok"));

const BRANCH = /^[A-Za-z0-9._\/-]{1,100}$/;

app.get("/log", (req, res) => {
  const branch = String(req.query.branch ?? "main");
  if (!BRANCH.test(branch)) return res.status(400).send("bad branch");
  execFile("git", ["log", "--oneline", "-n", "20", branch, "--"], (err, stdout) => {
    if (err) return res.status(500).send(err.message);
    res.type("text/plain").send(stdout);
  });
});

app.listen(3000);
