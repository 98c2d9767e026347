// Testcontainers for Node's compose module (it runs `docker compose`) on the compose file in
// the directory given as argument; prints what it saw as JSON.
"use strict";
const http = require("node:http");
const { DockerComposeEnvironment, Wait } = require("testcontainers");

function get(port) {
  return new Promise((resolve, reject) => {
    http.get({ host: "localhost", port, path: "/" }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

async function main() {
  const env = await new DockerComposeEnvironment(process.argv[2], "compose.yaml")
    .withWaitStrategy("web-1", Wait.forLogMessage("web-ready"))
    .up();
  const out = {};
  try {
    const web = env.getContainer("web-1");
    out.port = web.getMappedPort(8080);
    out.body = await get(out.port);
    out.exec = (await web.exec(["cat", "/tmp/index.html"])).output;
  } finally {
    await env.down();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
