// check.mjs: checks openapi/openapi.json for the tests: validity, routes, error codes, and real responses against it.
//
//   node openapi/check.mjs validate  DOC            the OpenAPI 3.1 schema (a real validator) and the
//                                                   rules below; prints "valid" or the problems
//   node openapi/check.mjs routes    DOC            "METHOD /api/v1/path" of every operation
//   node openapi/check.mjs codes     DOC            the ErrorCode enum, one a line
//   node openapi/check.mjs responses DOC MANIFEST   each manifest line "METHOD PATH STATUS DIR"
//                                                   (DIR holds body and headers of a real
//                                                   response; PATH a template of DOC, or METHOD "-"
//                                                   and PATH "#/components/responses/NAME"):
//                                                   the answer is one DOC declares (headers in
//                                                   KINGLET_REQUIRE_HEADERS must be there too)
//   node openapi/check.mjs payloads  DOC DIR        each request tests/webhook-receiver.py recorded
//                                                   in DIR (NNNNNN.body and .head): a body of
//                                                   the document's top-level webhooks section
//                                                   (by its type), with the headers it requires
//   node openapi/check.mjs browse    URL PNG        /scalar in headless Chromium: no console error,
//                                                   no request leaves the server, the operations
//                                                   show; a screenshot into PNG (every request
//                                                   listed with KINGLET_BROWSE_VERBOSE=1)
//
// The npm packages come from KINGLET_NODE_DIR (default build/node), where make installs
// openapi/package.json. Exit status 0 when all is well, 1 with the reasons on stdout.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const nodeDir = resolve(process.env.KINGLET_NODE_DIR || "build/node");
const require = createRequire(join(nodeDir, "package.json"));
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function fail(problems) {
	for (const p of problems) console.log(p);
	process.exit(problems.length ? 1 : 0);
}

function readJson(file) {
	return JSON.parse(readFileSync(file, "utf8"));
}

// The value at a local reference ("#/components/schemas/Message"), or undefined.
function pointer(doc, ref) {
	if (!ref.startsWith("#/")) return undefined;
	let v = doc;
	for (const raw of ref.slice(2).split("/")) {
		const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
		if (v === null || typeof v !== "object" || !(key in v)) return undefined;
		v = v[key];
	}
	return v;
}

function deref(doc, v) {
	while (v && typeof v === "object" && typeof v.$ref === "string") v = pointer(doc, v.$ref);
	return v;
}

function* walk(v, path = "#") {
	if (v === null || typeof v !== "object") return;
	yield [v, path];
	for (const [k, child] of Object.entries(v)) yield* walk(child, `${path}/${k}`);
}

function operations(doc) {
	const ops = [];
	for (const [path, item] of Object.entries(doc.paths || {}))
		for (const m of METHODS) if (item[m]) ops.push({ path, method: m, item, op: item[m] });
	return ops;
}

function newAjv() {
	const Ajv2020 = require("ajv/dist/2020").default;
	const addFormats = require("ajv-formats").default;
	const ajv = new Ajv2020({ strict: false, allErrors: true });
	addFormats(ajv);
	ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });
	return ajv;
}

// A JSON Schema of the document with every local $ref pointing into the document itself, so
// that Ajv resolves them (the document is added once, under its own id). With ajv.lenient, every
// unevaluatedProperties is left out: the schema as a validator of an older JSON Schema draft (or
// an OpenAPI 3.0 tool) reads it.
function schemaAt(ajv, doc, schema) {
	const fix = (v) => {
		if (Array.isArray(v)) return v.map(fix);
		if (v === null || typeof v !== "object") return v;
		const out = {};
		for (const [k, child] of Object.entries(v))
			if (!(ajv.lenient && k === "unevaluatedProperties"))
				out[k] =
					k === "$ref" && typeof child === "string" && child.startsWith("#/components/schemas/")
						? `doc#/$defs/${child.slice("#/components/schemas/".length)}`
						: fix(child);
		return out;
	};
	if (!ajv.kingletDoc) {
		ajv.addSchema({ $id: "doc", $defs: fix(doc.components?.schemas || {}) });
		ajv.kingletDoc = true;
	}
	return fix(schema);
}

async function validate(file) {
	const problems = [];
	const { Validator } = await import(
		pathToFileURL(require.resolve("@seriousme/openapi-schema-validator")).href
	);
	const validator = new Validator();
	const res = await validator.validate(file);
	if (!res.valid) {
		problems.push("the OpenAPI schema validator rejects the document:");
		problems.push(JSON.stringify(res.errors, null, 2));
		fail(problems);
	}
	if (validator.version !== "3.1") problems.push(`OpenAPI version ${validator.version}, want 3.1`);
	const doc = readJson(file);

	for (const [v, where] of walk(doc))
		if (typeof v.$ref === "string" && pointer(doc, v.$ref) === undefined)
			problems.push(`${where}: $ref ${v.$ref} does not resolve`);

	const ajv = newAjv();
	for (const [name, s] of Object.entries(doc.components?.schemas || {})) {
		try {
			ajv.compile(schemaAt(ajv, doc, s));
		} catch (e) {
			problems.push(`components/schemas/${name} does not compile: ${e.message}`);
		}
	}

	const ids = new Set();
	for (const { path, method, item, op } of operations(doc)) {
		const where = `${method.toUpperCase()} ${path}`;
		if (!op.operationId) problems.push(`${where}: no operationId`);
		else if (ids.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} twice`);
		ids.add(op.operationId);
		if (!op.summary) problems.push(`${where}: no summary`);
		if (!Array.isArray(op.security)) problems.push(`${where}: security not stated`);
		const params = [...(item.parameters || []), ...(op.parameters || [])].map((p) => deref(doc, p));
		const declared = params.filter((p) => p.in === "path").map((p) => p.name);
		const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
		for (const t of templated)
			if (!declared.includes(t)) problems.push(`${where}: path parameter {${t}} not declared`);
		for (const d of declared)
			if (!templated.includes(d)) problems.push(`${where}: parameter ${d} is not in the path`);
		for (const status of ["400", "429", "500"])
			if (!op.responses?.[status]) problems.push(`${where}: no ${status} response`);
		if (op.security?.length && !op.responses?.["401"])
			problems.push(`${where}: authenticated, but no 401 response`);
		if (op.requestBody) {
			for (const status of ["413", "415", "422"])
				if (!op.responses?.[status]) problems.push(`${where}: has a body, but no ${status} response`);
			const body = deref(doc, op.requestBody);
			for (const type of ["application/json", "application/x-www-form-urlencoded"])
				if (!body.content?.[type]) problems.push(`${where}: request body without ${type}`);
		}
		for (const [status, r] of Object.entries(op.responses || {})) {
			const resp = deref(doc, r);
			if (!resp?.headers?.["X-Request-ID"])
				problems.push(`${where} ${status}: response without the X-Request-ID header`);
			if (status !== "304" && !resp?.content?.["application/json"])
				problems.push(`${where} ${status}: response without application/json content`);
		}
	}
	if (!problems.length) console.log("valid");
	fail(problems);
}

function routes(file) {
	const doc = readJson(file);
	const base = (doc.servers?.[0]?.url || "").replace(/\/$/, "");
	for (const { path, method } of operations(doc)) console.log(`${method.toUpperCase()} ${base}${path}`);
}

function codes(file) {
	const doc = readJson(file);
	for (const c of doc.components.schemas.ErrorCode.enum) console.log(c);
}

function parseHeaders(text) {
	const h = {};
	for (const line of text.split(/\r?\n/)) {
		const i = line.indexOf(":");
		if (i > 0) h[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
	}
	return h;
}

// Strict clients (generated code, a proxy checking live traffic) may not know
// unevaluatedProperties: every body must still match exactly one alternative of each oneOf on
// its way, so the alternatives must exclude each other by required and forbidden keys or by
// types, not only by unevaluatedProperties. lenient is an Ajv with lenient set.
function bodyMatches(ajv, lenient, doc, schema, body, what, bodyText, problems) {
	const check = ajv.compile(schemaAt(ajv, doc, schema));
	const alone = lenient.compile(schemaAt(lenient, doc, schema));
	if (!check(body))
		problems.push(
			`${what} does not match the schema: ${ajv.errorsText(check.errors)}\n  body: ${bodyText.slice(0, 400)}`,
		);
	else if (!alone(body))
		problems.push(
			`${what}, without unevaluatedProperties, matches no or several oneOf alternatives: ${lenient.errorsText(alone.errors)}\n  body: ${bodyText.slice(0, 400)}`,
		);
}

function lenientAjv() {
	const lenient = newAjv();
	lenient.lenient = true;
	return lenient;
}

function responses(file, manifest) {
	const doc = readJson(file);
	// Headers the document declares optional that this server must send (KINGLET_REQUIRE_HEADERS,
	// comma-separated): the X-RateLimit-* ones while rate limiting is on.
	const alsoRequired = (process.env.KINGLET_REQUIRE_HEADERS || "").split(",").filter(Boolean);
	const ajv = newAjv();
	const lenient = lenientAjv();
	const problems = [];
	let checked = 0;
	for (const line of readFileSync(manifest, "utf8").split("\n")) {
		if (!line.trim()) continue;
		const [method, path, status, dir] = line.split(" ");
		const where = `${method} ${path} ${status}`;
		let resp;
		if (method === "-") {
			resp = deref(doc, { $ref: path });
		} else {
			const op = doc.paths?.[path]?.[method.toLowerCase()];
			if (!op) {
				problems.push(`${where}: no such operation in the document`);
				continue;
			}
			resp = deref(doc, op.responses?.[status] || op.responses?.default);
		}
		if (!resp) {
			problems.push(`${where}: the document declares no such response`);
			continue;
		}
		const headers = parseHeaders(readFileSync(join(dir, "headers"), "utf8"));
		for (const [name, h] of Object.entries(resp.headers || {}))
			if ((deref(doc, h).required || alsoRequired.includes(name)) && !(name.toLowerCase() in headers))
				problems.push(`${where}: required header ${name} missing`);
		const bodyText = readFileSync(join(dir, "body"), "utf8");
		if (!resp.content) {
			if (bodyText.length) problems.push(`${where}: a body where the document declares none`);
			checked++;
			continue;
		}
		const type = (headers["content-type"] || "").split(";")[0].trim();
		const media = resp.content[type];
		if (!media) {
			problems.push(`${where}: Content-Type ${type} is not declared`);
			continue;
		}
		let body;
		try {
			body = JSON.parse(bodyText);
		} catch (e) {
			problems.push(`${where}: the body is not JSON: ${e.message}`);
			continue;
		}
		bodyMatches(ajv, lenient, doc, media.schema, body, `${where}: the body`, bodyText, problems);
		checked++;
	}
	if (!problems.length) console.log(`${checked} responses match the document`);
	fail(problems);
}

// The webhook requests kinglet-webhookd sent, as the receiver recorded them, against the
// document's webhooks section: the operation of the body's type, its body schema and headers.
function payloads(file, dir) {
	const doc = readJson(file);
	const ajv = newAjv();
	const lenient = lenientAjv();
	const problems = [];
	let checked = 0;
	for (const name of readdirSync(dir).filter((n) => n.endsWith(".body")).sort()) {
		const base = join(dir, name.slice(0, -".body".length));
		const bodyText = readFileSync(`${base}.body`, "utf8");
		const headers = parseHeaders(readFileSync(`${base}.head`, "utf8"));
		let body;
		try {
			body = JSON.parse(bodyText);
		} catch (e) {
			problems.push(`${base}: the body is not JSON: ${e.message}`);
			continue;
		}
		const op = doc.webhooks?.[body?.type]?.post;
		if (!op) {
			problems.push(`${base}: no webhook ${body?.type} in the document`);
			continue;
		}
		const where = `${base} (${body.type})`;
		for (const param of op.parameters || []) {
			const p = deref(doc, param);
			if (p.in !== "header") continue;
			const value = headers[p.name.toLowerCase()];
			if (value === undefined) {
				if (p.required) problems.push(`${where}: required header ${p.name} missing`);
				continue;
			}
			const typed = p.schema?.type === "integer" && /^-?[0-9]+$/.test(value) ? Number(value) : value;
			const check = ajv.compile(schemaAt(ajv, doc, p.schema || {}));
			if (!check(typed)) problems.push(`${where}: header ${p.name}: ${ajv.errorsText(check.errors)}`);
		}
		const type = (headers["content-type"] || "").split(";")[0].trim();
		const media = deref(doc, op.requestBody)?.content?.[type];
		if (!media) {
			problems.push(`${where}: Content-Type ${type} is not declared`);
			continue;
		}
		bodyMatches(ajv, lenient, doc, media.schema, body, `${where}: the body`, bodyText, problems);
		checked++;
	}
	if (!checked && !problems.length) problems.push(`no request recorded in ${dir}`);
	if (!problems.length) console.log(`${checked} webhook requests match the document`);
	fail(problems);
}

async function browse(url, png) {
	const { chromium } = require("playwright-core");
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		args: [
			"--headless",
			"--no-sandbox",
			"--disable-gpu",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
			"--no-first-run",
		],
	});
	const problems = [];
	const origin = new URL(url).origin;
	let page;
	try {
		page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
		page.on("console", (m) => {
			if (m.type() === "error") problems.push(`console error: ${m.text()}`);
		});
		page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
		page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
		page.on("response", (r) => {
			if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`);
		});
		page.on("request", (r) => {
			const u = r.url();
			if (process.env.KINGLET_BROWSE_VERBOSE) console.log(`request ${r.method()} ${u}`);
			if (!u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:"))
				problems.push(`request outside the server: ${u}`);
		});
		const response = await page.goto(url, { waitUntil: "load" });
		if (!response?.ok()) problems.push(`GET ${url}: ${response?.status()}`);
		const type = response?.headers()["content-type"] || "";
		if (!type.startsWith("text/html")) problems.push(`GET ${url}: Content-Type ${type}`);
		// The operations are listed by their summaries; the paths are in the DOM too.
		for (const text of ["Sign up", "Log in", "Post a message"])
			await page.getByText(text, { exact: true }).first().waitFor({ state: "visible", timeout: 20000 });
		// Late errors (a lazy chunk, a font) show within a moment of the first paint.
		await page.waitForTimeout(1500);
		const html = await page.content();
		for (const path of ["/users/login", "/messages/{id}/replies"])
			if (!html.includes(path)) problems.push(`the page does not show ${path}`);
		await page.screenshot({ path: png });
	} catch (e) {
		problems.push(`browsing ${url} failed: ${e.message}`);
		await page?.screenshot({ path: png }).catch(() => {});
	} finally {
		await browser.close();
	}
	if (!problems.length) console.log(`${url} renders the reference`);
	fail(problems);
}

const [cmd, ...args] = process.argv.slice(2);
const commands = { validate, routes, codes, responses, payloads, browse };
if (!commands[cmd]) {
	console.log("usage: node openapi/check.mjs validate|routes|codes|responses|payloads|browse ...");
	process.exit(2);
}
await commands[cmd](...args);
