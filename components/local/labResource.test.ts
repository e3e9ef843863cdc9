import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { forgetProviderTexts, providerCacheDir, providerKey, providerText } from "./labResource";

const resolved = (text: pulumi.Input<string>) => (typeof text === "string" ? Promise.resolve(text) : new Promise<string>((r) => pulumi.output(text).apply((t) => r(t))));

describe("LabResource: a dynamic provider's text, kept between processes", () => {
    const made: string[] = [];
    after(() => made.forEach((f) => fs.rmSync(f, { force: true })));

    it("keys the text by the provider's functions and its type: a changed function is a new key", () => {
        const a = { async create() { return { id: "a" }; } };
        const b = { async create() { return { id: "b" }; } };
        assert.equal(providerKey("TestType", a), providerKey("TestType", { async create() { return { id: "a" }; } }));
        assert.notEqual(providerKey("TestType", a), providerKey("TestType", b));
        assert.notEqual(providerKey("TestType", a), providerKey("OtherType", a));
        assert.match(providerKey("TestType", a), /^[0-9a-f]{40}$/);
    });

    it("serializes a provider once, keeps the text on disk, and reads it back as it was written", async () => {
        const stamp = `${process.pid}-${Date.now()}`;
        const provider = { async create() { return { id: stamp }; } };
        const type = `LabResourceTest${process.pid}`;
        const file = path.join(providerCacheDir(), `${type}-${providerKey(type, provider)}.js`);
        made.push(file);
        assert.ok(!fs.existsSync(file));
        const serialized = providerText(type, provider);
        assert.notEqual(typeof serialized, "string", "not cached yet: serialized");
        const text = await resolved(serialized);
        assert.ok(text.includes(stamp), "the provider's code is in the text");
        assert.equal(fs.readFileSync(file, "utf8"), text);
        forgetProviderTexts();
        assert.equal(providerText(type, provider), text, "read back from the disk, as a plain string");
    });
});
