// A Gong client as many are written: the base URL https://api.gong.io is in the code, and the
// proxy setting is honoured the way Node programs do it, with undici's ProxyAgent for fetch.
// It reaches gongmock only through the environment: HTTPS_PROXY and NODE_EXTRA_CA_CERTS
// (gongmock's CA). Prints how many calls it listed and in how many pages.
"use strict";
const { fetch, ProxyAgent, setGlobalDispatcher } = require("undici");

if (process.env.HTTPS_PROXY) setGlobalDispatcher(new ProxyAgent(process.env.HTTPS_PROXY));

const BASE = "https://api.gong.io";
const AUTH = "Basic " + Buffer.from("key:secret").toString("base64");

async function main() {
  const ids = new Set();
  let pages = 0;
  let url = `${BASE}/v2/calls`;
  for (;;) {
    const res = await fetch(url, { headers: { Authorization: AUTH } });
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    const page = await res.json();
    pages += 1;
    for (const c of page.calls) ids.add(c.id);
    if (!page.records.cursor) break;
    url = `${BASE}/v2/calls?cursor=${encodeURIComponent(page.records.cursor)}`;
  }
  console.log(`${ids.size} calls in ${pages} pages`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
