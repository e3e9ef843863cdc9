import { strict as assert } from "assert";
import { DemoApp } from "../../app/src/server";
import { parseLabConfig } from "../../components/labConfig";
import { serviceHost } from "../../components/kubernetes/appWorkloads";
import { labPlan, pairOf } from "../../components/plan";
import { nginxIngressSpecs } from "../../components/routers/nginx/nginxIngress";
import { EmulatedIngress, renderEmulatedIngress } from "../support/ingressNginxEmulation";
import { Program, freePort, startNginx, startApp, tally, tempDir } from "../support/localProcesses";

// The Ingress annotations the lab generates for traffic "nginx", run with ingress-nginx's documented
// semantics by a real NGINX on 127.0.0.1 in front of real demo app servers (v1 stable, v2 candidate).
// The real controller implements the canary in Lua inside a cluster, which this machine cannot run; the
// stand-in (test/support/ingressNginxEmulation.ts) follows the same precedence: header, cookie, weight.

const ns = "rollout-lab";

async function answeredBy(address: string): Promise<number> {
    const text = await (await fetch(`http://${address}/metrics`)).text();
    return text.split("\n").filter((l) => l.startsWith("http_requests_total{")).reduce((sum, l) => sum + Number(l.split(" ")[1]), 0);
}

describe("ingress-nginx annotations, run by a real NGINX with the controller's canary semantics", function () {
    this.timeout(120000);
    let apps: DemoApp[] = [];
    let nginx: Program | undefined;
    let candidate = "";

    afterEach(async () => {
        await nginx?.stop();
        nginx = undefined;
        await Promise.all(apps.map((x) => x.shutdown()));
        apps = [];
    });

    /** Starts v1 and v2 and an NGINX configured from the Ingresses the lab makes for `settings`; returns its URL. */
    async function edgeFor(settings: Record<string, unknown>): Promise<string> {
        const config = parseLabConfig({ platform: "kind", traffic: "nginx", candidate: { version: "v2" }, ...settings });
        const plan = labPlan(config, "weight");
        const ingresses = nginxIngressSpecs(plan, ns);
        const annotationsOf = (name: string) => (ingresses.find((i) => i.name === name)?.spec.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
        const stable = await startApp("v1", "blue", apps);
        candidate = await startApp("v2", "green", apps);
        const dir = tempDir("ingress-nginx");
        const port = await freePort();
        const spec: EmulatedIngress = {
            listen: `127.0.0.1:${port}`,
            stable,
            candidate,
            stableAnnotations: annotationsOf("demo-app") ?? {},
            canaryAnnotations: annotationsOf("demo-app-canary"),
            serviceHosts: { [serviceHost(pairOf(plan)!.candidate.name, ns)]: candidate },
            runDir: dir,
        };
        nginx = await startNginx(dir, renderEmulatedIngress(spec), port);
        return `http://127.0.0.1:${port}/`;
    }

    it("canary weight 20: about a fifth of 3,000 requests reach v2", async () => {
        const url = await edgeFor({ strategy: "canary", canary: { weight: 20 } });
        const counts = await tally(url, 3000);
        const share = (100 * (counts.v2 ?? 0)) / 3000;
        console.log(`      weight 20: ${JSON.stringify(counts)} (${share.toFixed(1)}% v2)`);
        assert.equal((counts.v1 ?? 0) + (counts.v2 ?? 0), 3000, "every request answered");
        assert.ok(Math.abs(share - 20) <= 3, `share ${share}`);
    });

    it("blue/green as a 0/100 route: weight 0 keeps blue, 100 sends all to green", async () => {
        const blue = await tally(await edgeFor({ strategy: "bluegreen", bluegreen: { activeColor: "blue" } }), 300);
        await nginx!.stop();
        await Promise.all(apps.map((x) => x.shutdown()));
        apps = [];
        const green = await tally(await edgeFor({ strategy: "bluegreen", bluegreen: { activeColor: "green" } }), 300);
        assert.deepEqual([blue, green], [{ v1: 300 }, { v2: 300 }]);
    });

    it("A/B: the header value or the cookie set to always picks v2; everything else stays on v1", async () => {
        const url = await edgeFor({ strategy: "abtest", abtest: { header: "X-Lab-Group", value: "beta", cookie: "lab_beta" } });
        const results = {
            header: await tally(url, 200, { "X-Lab-Group": "beta" }),
            otherHeaderValue: await tally(url, 200, { "X-Lab-Group": "alpha" }),
            cookieAlways: await tally(url, 200, { Cookie: "theme=dark; lab_beta=always" }),
            cookieNever: await tally(url, 200, { Cookie: "lab_beta=never" }),
            headerBeatsCookie: await tally(url, 200, { "X-Lab-Group": "beta", Cookie: "lab_beta=never" }),
            nothing: await tally(url, 200),
        };
        console.log(`      A/B: ${JSON.stringify(results)}`);
        assert.deepEqual(results, {
            header: { v2: 200 },
            otherHeaderValue: { v1: 200 },
            cookieAlways: { v2: 200 },
            cookieNever: { v1: 200 },
            headerBeatsCookie: { v2: 200 },
            nothing: { v1: 200 },
        });
    });

    it("A/B by a header pattern (User-Agent contains Firefox)", async () => {
        const url = await edgeFor({ strategy: "abtest", abtest: { header: "User-Agent", value: ".*Firefox.*", valueMatch: "regex" } });
        const firefox = await tally(url, 100, { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:130.0) Gecko/20100101 Firefox/130.0" });
        const other = await tally(url, 100, { "User-Agent": "curl/8.0" });
        assert.deepEqual([firefox, other], [{ v2: 100 }, { v1: 100 }]);
    });

    it("shadow: v1 answers every request and v2 receives a copy of each, same path", async () => {
        const url = await edgeFor({ strategy: "shadow" });
        const before = await answeredBy(candidate);
        const counts = await tally(`${url}?shadow=check`, 500);
        let copies = 0;
        for (let i = 0; i < 30 && copies < 500; i++) {
            await new Promise((r) => setTimeout(r, 200));
            copies = (await answeredBy(candidate)) - before;
        }
        console.log(`      shadow: answers ${JSON.stringify(counts)}, copies at v2: ${copies}`);
        assert.deepEqual(counts, { v1: 500 });
        // Every copy reached "/" and was answered 200: with the bare target it would be nginx's internal /_mirror (a 404).
        assert.equal(copies, 500);
        const ok = (await (await fetch(`http://${candidate}/metrics`)).text()).split("\n").filter((l) => l.startsWith("http_requests_total{") && l.includes('code="200"'));
        assert.equal(ok.reduce((sum, l) => sum + Number(l.split(" ")[1]), 0), 500, "the copies were answered 200 on their original path");
    });
});
