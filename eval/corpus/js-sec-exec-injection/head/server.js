import express from "express";
import { exec } from "node:child_process";

const app = express();
app.get("/health", (_req, res) => res.send("ok"));

app.get("/log", (req, res) => {
  exec(`git log --oneline -n 20 ${req.query.branch}`, (err, stdout) => {
    if (err) return res.status(500).send(err.message);
    res.type("text/plain").send(stdout);
  });
});

app.listen(3000);
