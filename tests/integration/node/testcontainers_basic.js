// A typical Testcontainers for Node session against DOCKER_HOST; prints one JSON object of
// observations for tests/integration/test_testcontainers_node.py to check.
"use strict";
const http = require("node:http");
const { GenericContainer, Network, Wait } = require("testcontainers");

function getOnce(host, port) {
  return new Promise((resolve, reject) => {
    http.get({ host, port, path: "/" }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(body));
    }).on("error", reject);
  });
}

// The published port accepts (rootlessport, like Docker's userland proxy) before the server in
// the container does: a reset in that moment is retried, as an HTTP client with retries would.
async function get(host, port) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await getOnce(host, port);
    } catch (err) {
      if (err.code !== "ECONNRESET" || attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

// Container logs follow: read until `text` is seen, then let go of the stream. Testcontainers
// unrefs the log socket, so a timer keeps node alive meanwhile.
function readUntil(stream, text) {
  const alive = setInterval(() => {}, 1000);
  return new Promise((resolve, reject) => {
    let seen = "";
    stream.on("data", (c) => {
      seen += c.toString();
      if (seen.includes(text)) {
        stream.destroy();
        resolve(seen);
      }
    });
    stream.on("end", () => resolve(seen));
    stream.on("error", reject);
  }).finally(() => clearInterval(alive));
}

function readAll(stream) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    stream.on("data", (c) => chunks.push(Buffer.from(c)));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

async function main() {
  const out = {};
  const web = await new GenericContainer("busybox")
    .withCommand(["sh", "-c", "echo served >/tmp/index.html; echo starting; exec httpd -f -v -h /tmp -p 8080"])
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forListeningPorts())
    .start();
  try {
    out.host = web.getHost();
    out.port = web.getMappedPort(8080);
    out.body = await get(out.host, out.port);
    const ok = await web.exec(["sh", "-c", "echo out; echo err >&2"]);
    const bad = await web.exec(["sh", "-c", "exit 3"]);
    out.exec = { output: ok.output, stdout: ok.stdout, stderr: ok.stderr, exitCode: ok.exitCode, failed: bad.exitCode };
    await web.copyContentToContainer([{ content: "copied in\n", target: "/tmp/in.txt" }]);
    out.copiedIn = (await web.exec(["cat", "/tmp/in.txt"])).output;
    const tar = await readAll(await web.copyArchiveFromContainer("/tmp/in.txt"));
    out.copiedOutHasContent = tar.includes("copied in");
    out.copiedOutName = tar.subarray(0, 100).toString().replace(/\0.*$/s, "");
    out.logs = await readUntil(await web.logs(), "starting");
    await web.restart();
    out.portAfterRestart = web.getMappedPort(8080);
    out.bodyAfterRestart = await get(web.getHost(), web.getMappedPort(8080));
  } finally {
    await web.stop();
  }

  const logWait = await new GenericContainer("busybox")
    .withCommand(["sh", "-c", "sleep 1; echo 'the server is ready'; exec sleep 300"])
    .withWaitStrategy(Wait.forLogMessage("the server is ready"))
    .start();
  out.logWaitRunning = (await logWait.exec(["true"])).exitCode === 0;
  await logWait.stop();

  const healthy = await new GenericContainer("busybox")
    .withCommand(["sh", "-c", "sleep 2; touch /tmp/ok; exec sleep 300"])
    .withHealthCheck({ test: ["CMD-SHELL", "test -f /tmp/ok"], interval: 1000, timeout: 3000, retries: 20, startPeriod: 0 })
    .withWaitStrategy(Wait.forHealthCheck())
    .start();
  out.healthyStarted = (await healthy.exec(["test", "-f", "/tmp/ok"])).exitCode === 0;
  await healthy.stop();

  const network = await new Network().start();
  try {
    const server = await new GenericContainer("busybox")
      .withCommand(["sh", "-c", "echo from-alias >/tmp/index.html; exec httpd -f -h /tmp -p 80"])
      .withNetwork(network)
      .withNetworkAliases("webserver")
      .start();
    const client = await new GenericContainer("busybox").withCommand(["sleep", "300"]).withNetwork(network).start();
    out.networkName = network.getName();
    // retried for a few seconds: right after a previous network was torn down, podman 4.3's
    // aardvark-dns may be gone until dockershim restarts it (engine/dns_watch.py)
    const fetch =
      "for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://webserver/ 2>/dev/null && exit 0; sleep 0.5; done; exit 1";
    out.viaAlias = (await client.exec(["sh", "-c", fetch])).output;
    out.serverIp = server.getIpAddress(network.getName());
    await client.stop();
    await server.stop();
  } finally {
    await network.stop();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
