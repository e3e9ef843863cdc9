import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LabConfigError, parseLabConfig, withEnvironmentDefaults } from ".";
import { lastCreated, runProgram, toPulumiConfig } from "../../test/support/pulumiHarness";
import { labPlan } from "../plan";

const base = { "rollout-lab:candidate": { version: "v2" } };

/** Runs the program with a bad config: it must throw exactly `message` and register nothing. */
async function assertRefused(config: Record<string, unknown>, message: string): Promise<void> {
    await assert.rejects(runProgram(toPulumiConfig(config)), (e: unknown) => {
        assert.ok(e instanceof Error);
        assert.equal(e.name, "LabConfigError");
        assert.equal(e.message, message);
        return true;
    });
    assert.deepEqual(lastCreated(), [], "nothing may be registered when the config is bad");
}

describe("stack config", () => {
    it("a stack file may set only the stable release's replicas: it stays v1", () => {
        assert.deepEqual(parseLabConfig({ candidate: { version: "v2" }, stable: { replicas: 2 } }).stable, { version: "v1", replicas: 2, imageTag: "v1", errorRate: 0, latencyMs: 0, readyDelayMs: 0 });
    });

    it("fills defaults so a stack file only says what differs", () => {
        const cfg = parseLabConfig({ candidate: { version: "v2" } });
        assert.equal(cfg.platform, "kind");
        assert.equal(cfg.strategy, "rolling");
        assert.equal(cfg.traffic, "native");
        assert.deepEqual(cfg.stable, { version: "v1", replicas: 3, imageTag: "v1", errorRate: 0, latencyMs: 0, readyDelayMs: 0 });
        assert.equal(cfg.candidate.imageTag, "v2");
        assert.deepEqual(cfg.canary, { weight: 10, totalReplicas: 10, maxTotalReplicas: 20, sticky: false });
        assert.deepEqual(cfg.rolling, { maxSurge: "25%", maxUnavailable: 0, minReadySeconds: 5, progressDeadlineSeconds: 600 });
        assert.equal(cfg.app.build, true, "kind builds the app image locally");
        assert.equal(parseLabConfig({ platform: "kubernetes", candidate: { version: "v2" } }).app.build, false);
    });

    it("reads values the way `pulumi config set --path` and YAML write them", () => {
        // --path stores floats as strings; an unquoted `version: 2` arrives as a number.
        const cfg = parseLabConfig({
            candidate: { version: 2, errorRate: "0.2", latencyMs: "800" },
            canary: { weight: "50" },
            bluegreen: { scaleIdleToZero: "true" },
            monitoring: "false",
        });
        assert.equal(cfg.candidate.version, "2");
        assert.equal(cfg.candidate.errorRate, 0.2);
        assert.equal(cfg.candidate.latencyMs, 800);
        assert.equal(cfg.canary.weight, 50);
        assert.equal(cfg.bluegreen.scaleIdleToZero, true);
        assert.throws(() => parseLabConfig({ candidate: { version: "v2" }, canary: { weight: "fifty" } }), /canary\.weight: got "fifty"; allowed: a number/);
    });

    it("keeps Grafana on by default; monitoring.grafana false or \"false\" turns off only Grafana", () => {
        const monitoring = (value: unknown) => parseLabConfig({ candidate: { version: "v2" }, monitoring: value }).monitoring;
        assert.equal(parseLabConfig({ candidate: { version: "v2" } }).monitoring.grafana, true);
        assert.equal(monitoring("true").grafana, true);
        assert.deepEqual([monitoring({ grafana: "false" }).enabled, monitoring({ grafana: "false" }).grafana], [true, false]);
        assert.deepEqual([monitoring({ grafana: false }).enabled, monitoring({ grafana: false }).grafana], [true, false]);
        assert.equal(monitoring({ grafana: "true" }).grafana, true);
    });

    it("kind: the machine's node image and no-privilege mode come from the environment unless the stack file says", () => {
        const env = { ROLLOUT_LAB_KIND_NODE_IMAGE: "rollout-lab/kind-node:v1.37.2", KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "1" };
        const fromEnv = parseLabConfig(withEnvironmentDefaults({ candidate: { version: "v2" } }, env)).kind;
        assert.equal(fromEnv.nodeImage, "rollout-lab/kind-node:v1.37.2");
        assert.equal(fromEnv.privileged, false);
        assert.equal(fromEnv.workers, 1);
        assert.equal(fromEnv.allowCgroupV1, true);
        assert.deepEqual(fromEnv.loadImages, []);
        const stackWins = parseLabConfig(withEnvironmentDefaults({ candidate: { version: "v2" }, kind: { nodeImage: "kindest/node:v1.36.0", privileged: "true" } }, env)).kind;
        assert.equal(stackWins.nodeImage, "kindest/node:v1.36.0");
        assert.equal(stackWins.privileged, true);
        const laptop = parseLabConfig(withEnvironmentDefaults({ candidate: { version: "v2" } }, {})).kind;
        assert.equal(laptop.nodeImage, undefined);
        assert.equal(laptop.privileged, true);
        assert.equal(parseLabConfig(withEnvironmentDefaults({ candidate: { version: "v2" } }, { KIND_EXPERIMENTAL_NO_SYS_RESOURCE: "0" })).kind.privileged, true);
    });

    it("a machine's settings file (ROLLOUT_LAB_MACHINE_CONFIG) fills what the stack file leaves out, the stack winning", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollout-lab-machine-"));
        const file = path.join(dir, "machine.conf");
        fs.writeFileSync(
            file,
            [
                "# what scripts/monitoring-images.sh and kind-node.sh print",
                "rollout-lab:app.baseImage=rollout-lab/debian-base:bookworm",
                "rollout-lab:monitoring.grafana=false",
                "rollout-lab:monitoring.images.prometheus=rollout-lab/prometheus:abc",
                "rollout-lab:kind.loadImages[0]=rollout-lab/prometheus:abc",
                "rollout-lab:canary.weight=40",
                "",
            ].join("\n"),
        );
        const env = { ROLLOUT_LAB_MACHINE_CONFIG: file };
        const c = parseLabConfig(withEnvironmentDefaults({ candidate: { version: "v2" }, strategy: "canary", canary: { weight: 20 }, monitoring: { enabled: true } }, env));
        assert.equal(c.app.baseImage, "rollout-lab/debian-base:bookworm");
        assert.equal(c.monitoring.grafana, false);
        assert.equal(c.monitoring.enabled, true);
        assert.equal(c.monitoring.images.prometheus, "rollout-lab/prometheus:abc");
        assert.deepEqual(c.kind.loadImages, ["rollout-lab/prometheus:abc"]);
        assert.equal(c.canary.weight, 20, "the stack's own weight wins");
        assert.equal(parseLabConfig(withEnvironmentDefaults({ candidate: { version: "v2" }, app: { baseImage: "node:22-bookworm-slim" } }, env)).app.baseImage, "node:22-bookworm-slim");
        fs.writeFileSync(file, "rollout-lab:app.baseImage=x\napp.baseImage=y\n");
        assert.throws(() => withEnvironmentDefaults({}, env), (e: Error) => e.message === `${file}:2: got "app.baseImage=y"; allowed: rollout-lab:<key>=<value> lines, e.g. rollout-lab:app.baseImage=rollout-lab/debian-base:bookworm`);
        assert.throws(() => withEnvironmentDefaults({}, { ROLLOUT_LAB_MACHINE_CONFIG: path.join(dir, "none") }), /^Error: ROLLOUT_LAB_MACHINE_CONFIG: cannot read .*none: ENOENT/);
    });

    it("refuses a kind.privileged that is not a boolean and a kind.loadImages entry that is not an image", () =>
        assertRefused(
            { ...base, "rollout-lab:kind": { privileged: "no", loadImages: ["Not An Image"] } },
            "Invalid rollout-lab stack config (2 problems):\n" +
                '  - rollout-lab:kind.privileged: got "no"; allowed: a boolean\n' +
                '  - rollout-lab:kind.loadImages.0: got "Not An Image"; allowed: an image reference',
        ));

    it("refuses a monitoring.grafana that is not a boolean", () =>
        assertRefused(
            { ...base, "rollout-lab:monitoring": { grafana: "off" } },
            'Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:monitoring.grafana: got "off"; allowed: a boolean',
        ));

    it("refuses an istio.routes that is neither Istio's own objects nor HTTPRoutes", () =>
        assertRefused(
            { ...base, "rollout-lab:traffic": "istio", "rollout-lab:istio": { routes: "gateway" } },
            'Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:istio.routes: got "gateway"; allowed: virtualService, httpRoute',
        ));

    it("refuses the old traefik.gatewayApiCrds key, naming the keys traefik has (the CRDs moved to gatewayApi.crds)", () =>
        assertRefused(
            { ...base, "rollout-lab:traffic": "traefik", "rollout-lab:traefik": { gatewayApiCrds: "/tmp/crds.yaml" } },
            'Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:traefik.gatewayApiCrds: got "/tmp/crds.yaml"; allowed: no such key; keys here: install, image, crds, listenerPort, replicas, retry',
        ));

    it("refuses an unknown strategy", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "blue-green" },
            'Invalid rollout-lab stack config (1 problem):\n' +
                '  - rollout-lab:strategy: got "blue-green"; allowed: recreate, rolling, bluegreen, canary, abtest, shadow',
        ));

    it("refuses a canary weight of 120", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "canary", "rollout-lab:canary": { weight: 120 } },
            "Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:canary.weight: got 120; allowed: at most 100",
        ));

    it("canary.sticky: the HAProxy edge keeps users on one version; the plan says so", () => {
        const swarm = parseLabConfig({ platform: "swarm", strategy: "canary", candidate: { version: "v2" }, canary: { weight: 30, sticky: true } });
        assert.deepEqual(labPlan(swarm, "weight").routing, { kind: "split", candidateWeight: 30, sticky: true });
        const plain = parseLabConfig({ platform: "swarm", strategy: "canary", candidate: { version: "v2" }, canary: { weight: 30 } });
        assert.deepEqual(labPlan(plain, "weight").routing, { kind: "split", candidateWeight: 30 });
    });

    it("refuses canary.sticky where the router cannot keep a user on one version, saying why and where it can", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "canary", "rollout-lab:canary": { weight: 20, sticky: true } },
            "Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:canary.sticky: got true; allowed: false with traffic native on kind " +
                "(kube-proxy picks a pod per connection: a Service can pin only a client address (sessionAffinity: ClientIP), not a user, and never moves a pinned one when the weight changes); " +
                "sticky needs traffic traefik or istio on kind",
        ));

    it("refuses canary.sticky with Istio's Gateway API routes, naming the HTTPRoute's limit; takes it with its VirtualService", async () => {
        await assertRefused(
            { ...base, "rollout-lab:strategy": "canary", "rollout-lab:traffic": "istio", "rollout-lab:istio": { routes: "httpRoute" }, "rollout-lab:canary": { weight: 20, sticky: true } },
            "Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:canary.sticky: got true; allowed: false with traffic istio and istio.routes httpRoute " +
                "(a new user's bucket is set by one of 100 weighted destinations, and an HTTPRoute rule takes at most 16 backends); sticky needs another istio.routes",
        );
        const ok = parseLabConfig({ candidate: { version: "v2" }, strategy: "canary", traffic: "istio", canary: { weight: 20, sticky: true } });
        assert.equal(ok.canary.sticky, true);
    });

    it("refuses a negative replica count", () =>
        assertRefused(
            { "rollout-lab:candidate": { version: "v2", replicas: -2 } },
            "Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:candidate.replicas: got -2; allowed: at least 0",
        ));

    it("refuses a provider that cannot do the strategy, naming the providers that can", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "shadow", "rollout-lab:traffic": "native" },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:traffic: got "native"; allowed: for strategy "shadow" on kind: traefik, nginx, istio',
        ));

    it("says when the refused provider is only the platform's default", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "abtest", "rollout-lab:abtest": { header: "X-Canary", value: "on" } },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:traffic: got "native" (the default on kind); allowed: for strategy "abtest" on kind: traefik, nginx, linkerd, istio',
        ));

    it("refuses a missing candidate version", () =>
        assertRefused(
            { "rollout-lab:strategy": "canary", "rollout-lab:candidate": { replicas: 2 } },
            "Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:candidate.version: got nothing (missing); allowed: required (string)",
        ));

    it("refuses a stack with no candidate at all", () =>
        assertRefused(
            { "rollout-lab:strategy": "canary" },
            "Invalid rollout-lab stack config (1 problem):\n  - rollout-lab:candidate: got nothing (missing); allowed: required (object)",
        ));

    it("refuses a misspelt key and lists the keys that exist there", () =>
        assertRefused(
            { ...base, "rollout-lab:bluegreen": { activeColour: "green" } },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:bluegreen.activeColour: got "green"; allowed: no such key; keys here: activeColor, scaleIdleToZero',
        ));

    it("lists every problem in one message", () =>
        assertRefused(
            {
                "rollout-lab:strategy": "shadow",
                "rollout-lab:traffic": "native",
                "rollout-lab:canary": { weight: 120 },
                "rollout-lab:stable": { version: "v1", replicas: -1 },
                "rollout-lab:candidate": { replicas: 3 },
                "rollout-lab:monitoring": "yes",
                "rollout-lab:hpa": { minReplicas: 5, maxReplicas: 2 },
            },
            "Invalid rollout-lab stack config (6 problems):\n" +
                "  - rollout-lab:stable.replicas: got -1; allowed: at least 0\n" +
                "  - rollout-lab:candidate.version: got nothing (missing); allowed: required (string)\n" +
                "  - rollout-lab:canary.weight: got 120; allowed: at most 100\n" +
                '  - rollout-lab:monitoring: got "yes"; allowed: true, false, or an object with keys enabled, grafana, scrapeInterval, retention, listenAddress, grafanaPort, prometheusPort, exportersNamespace, alerts, images\n' +
                '  - rollout-lab:traffic: got "native"; allowed: for strategy "shadow" on kind: traefik, nginx, istio\n' +
                "  - rollout-lab:hpa.minReplicas: got 5; allowed: at most hpa.maxReplicas (2)",
        ));

    it("refuses shadow through Linkerd (no RequestMirror), naming the providers that mirror", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "shadow", "rollout-lab:traffic": "linkerd" },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:traffic: got "linkerd"; allowed: for strategy "shadow" on kind: traefik, nginx, istio',
        ));

    it("refuses a partial mirror through ingress-nginx, which mirrors every request", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "shadow", "rollout-lab:traffic": "nginx", "rollout-lab:shadow": { percent: 25 } },
            "Invalid rollout-lab stack config (1 problem):\n" +
                "  - rollout-lab:shadow.percent: got 25; allowed: 100 with traffic nginx on kind (ingress-nginx mirrors every request); a share needs traffic traefik or istio",
        ));

    it("refuses Istio without monitoring, which Kiali reads", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "canary", "rollout-lab:traffic": "istio", "rollout-lab:monitoring": "false" },
            "Invalid rollout-lab stack config (1 problem):\n" +
                "  - rollout-lab:monitoring: got false; allowed: enabled with traffic istio (Kiali reads the mesh's metrics from the lab's Prometheus), unless istio.install is false",
        ));

    it("refuses a regular-expression A/B match on Swarm, and without a header", () =>
        assertRefused(
            {
                ...base,
                "rollout-lab:platform": "swarm",
                "rollout-lab:strategy": "abtest",
                "rollout-lab:abtest": { header: "User-Agent", value: ".*Firefox.*", valueMatch: "regex" },
            },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:abtest.valueMatch: got "regex"; allowed: "exact" with traffic haproxy on swarm (HAProxy matches header values from a map)',
        ));

    it("refuses a regular-expression A/B match by cookie", () =>
        assertRefused(
            { ...base, "rollout-lab:strategy": "abtest", "rollout-lab:traffic": "istio", "rollout-lab:abtest": { cookie: "beta", valueMatch: "regex" } },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:abtest.valueMatch: got "regex"; allowed: "exact" unless abtest.header and abtest.value are set',
        ));

    it("refuses a provider the platform does not have", () =>
        assertRefused(
            { ...base, "rollout-lab:platform": "swarm", "rollout-lab:traffic": "native" },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:traffic: got "native"; allowed: on platform "swarm": haproxy, nginx',
        ));

    it("refuses shadow through HAProxy on Swarm, naming NGINX", () =>
        assertRefused(
            { ...base, "rollout-lab:platform": "swarm", "rollout-lab:strategy": "shadow", "rollout-lab:traffic": "haproxy" },
            "Invalid rollout-lab stack config (1 problem):\n" +
                '  - rollout-lab:traffic: got "haproxy"; allowed: for strategy "shadow" on swarm: nginx',
        ));

    it("refuses an A/B test without a header and value or a cookie", () => {
        assert.throws(
            () => parseLabConfig({ strategy: "abtest", traffic: "nginx", candidate: { version: "v2" }, abtest: { header: "X-Canary" } }),
            (e: unknown) =>
                e instanceof LabConfigError &&
                e.problems.some((p) => p.key === "rollout-lab:abtest" && p.allowed === "{header, value} together, or {cookie}"),
        );
    });

    it("refuses a percentage it cannot read for maxSurge", () => {
        assert.throws(
            () => parseLabConfig({ candidate: { version: "v2" }, rolling: { maxSurge: "150%" } }),
            (e: unknown) => e instanceof LabConfigError && e.problems[0].key === "rollout-lab:rolling.maxSurge",
        );
    });
});
