import { strict as assert } from "assert";
import { ProgramRun, findResource, findResources, lastCreated, runProgram, runWithoutKubectl, stackConfig, toPulumiConfig } from "./support/pulumiHarness";
import { DEPLOYMENT, HPA, SERVICE, deploymentNamed, envOf, theService } from "./support/expectations";

/** Paths (type/name/field...) where two runs registered different inputs, plus resources only one has. */
function differences(a: ProgramRun, b: ProgramRun): string[] {
    const key = (r: { type: string; name: string }) => `${r.type}/${r.name}`;
    const diffs: string[] = [];
    const walk = (x: unknown, y: unknown, at: string) => {
        if (JSON.stringify(x) === JSON.stringify(y)) {
            return;
        }
        if (x && y && typeof x === "object" && typeof y === "object" && !Array.isArray(x) && !Array.isArray(y)) {
            for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
                walk((x as any)[k], (y as any)[k], `${at}.${k}`);
            }
        } else {
            diffs.push(at);
        }
    };
    const bByKey = new Map(b.resources.map((r) => [key(r), r]));
    for (const r of a.resources) {
        const other = bByKey.get(key(r));
        if (other === undefined) {
            diffs.push(`only in first: ${key(r)}`);
        } else {
            walk(r.inputs, other.inputs, key(r));
        }
    }
    const aKeys = new Set(a.resources.map(key));
    b.resources.filter((r) => !aKeys.has(key(r))).forEach((r) => diffs.push(`only in second: ${key(r)}`));
    return diffs;
}

function withConfig(stack: string, extra: Record<string, unknown>): Record<string, string> {
    return { ...stackConfig(stack), ...toPulumiConfig(extra) };
}

const SERVICE_SWITCH = "pulumi-nodejs:dynamic/rollout-lab:ServiceSwitch";

describe("blue/green", () => {
    it("the switch is waited for by the lab (endpoints of the active colour only), not by the provider's 10 s settle; a canary keeps the provider's await", async () => {
        const green = await runProgram(withConfig("kind-bluegreen", { "rollout-lab:bluegreen": { activeColor: "green" } }));
        assert.deepEqual(theService(green).inputs.metadata.annotations, { "pulumi.com/skipAwait": "true" });
        const wait = findResource(green, SERVICE_SWITCH, "lab-bluegreen-switch");
        assert.deepEqual(
            { namespace: wait.inputs.namespace, service: wait.inputs.service, selector: wait.inputs.selector },
            { namespace: "rollout-lab", service: "demo-app", selector: { "app.kubernetes.io/name": "demo-app", "rollout-lab/color": "green" } },
        );
        const canary = await runProgram(stackConfig("kind-canary"));
        assert.equal(theService(canary).inputs.metadata.annotations, undefined);
        assert.deepEqual(findResources(canary, SERVICE_SWITCH), []);
    });

    it("without kubectl on PATH a native blue/green stack is refused before anything is registered, naming kubectl", async () => {
        await assert.rejects(
            runWithoutKubectl(() => runProgram(stackConfig("kind-bluegreen"))),
            /kubectl is not on PATH: a blue\/green switch by Service selector waits for the Service's endpoints with kubectl\. Nothing was changed/,
        );
        assert.deepEqual(lastCreated(), []);
        // A canary needs no kubectl, nor does a preview (it runs none).
        await runWithoutKubectl(() => runProgram(stackConfig("kind-canary")));
        const preview = await runWithoutKubectl(() => runProgram(stackConfig("kind-bluegreen"), "test", true));
        assert.equal(findResources(preview, SERVICE_SWITCH).length, 1);
    });

    it("flipping the active colour changes the Service selector and nothing else", async () => {
        const blue = await runProgram(withConfig("kind-bluegreen", { "rollout-lab:bluegreen": { activeColor: "blue" } }));
        const green = await runProgram(withConfig("kind-bluegreen", { "rollout-lab:bluegreen": { activeColor: "green" } }));
        // The selector, and the lab's wait for the switch to land (it waits again when the selector changes).
        assert.deepEqual(differences(blue, green), [
            `${SERVICE}/lab-bluegreen-svc.spec.selector.rollout-lab/color`,
            `${SERVICE_SWITCH}/lab-bluegreen-switch.selector.rollout-lab/color`,
        ]);
        assert.equal(theService(blue).inputs.spec.selector["rollout-lab/color"], "blue");
        assert.equal(theService(green).inputs.spec.selector["rollout-lab/color"], "green");
        assert.deepEqual(
            (green.outputs.routing as any).workloads.map((w: any) => [w.name, w.version, w.expectedShare]),
            [["demo-blue", "v1", 0], ["demo-green", "v2", 100]],
        );
    });

    it("can scale the idle colour to zero, and gives it no autoscaler", async () => {
        const run = await runProgram(
            withConfig("kind-bluegreen", {
                "rollout-lab:bluegreen": { activeColor: "green", scaleIdleToZero: true },
                "rollout-lab:hpa": { minReplicas: 2, maxReplicas: 6 },
            }),
        );
        assert.equal(deploymentNamed(run, "demo-blue").inputs.spec.replicas, 0);
        assert.equal(deploymentNamed(run, "demo-green").inputs.spec.replicas, 3);
        const hpas = findResources(run, HPA);
        assert.deepEqual(hpas.map((h) => h.inputs.spec.scaleTargetRef.name), ["demo-green"]);
    });
});

describe("canary by replica ratio", () => {
    // What was asked, what the lab runs (written down by hand: the weight exactly, over the fewest
    // replicas from canary.totalReplicas up to canary.maxTotalReplicas), and what it says.
    const asked: [number, number, number, number, string | undefined][] = [
        [10, 10, 9, 1, undefined],
        [50, 10, 5, 5, undefined],
        [25, 10, 9, 3, "12 replicas (9 stable + 3 candidate) give exactly 25%"],
        [15, 10, 17, 3, "20 replicas (17 stable + 3 candidate) give exactly 15%"],
        [35, 4, 13, 7, "20 replicas (13 stable + 7 candidate) give exactly 35%"],
        [75, 4, 1, 3, undefined],
        [60, 4, 2, 3, "5 replicas (2 stable + 3 candidate) give exactly 60%"],
    ];
    for (const [weight, totalReplicas, stable, candidate, note] of asked) {
        it(`weight ${weight} with totalReplicas ${totalReplicas}: ${stable} stable + ${candidate} canary pods, ${note ? "said in the routing output" : "as asked"}`, async () => {
            const run = await runProgram(withConfig("kind-canary", { "rollout-lab:canary": { weight, totalReplicas } }));
            assert.equal(deploymentNamed(run, "demo-stable").inputs.spec.replicas, stable);
            assert.equal(deploymentNamed(run, "demo-canary").inputs.spec.replicas, candidate);
            const routing = run.outputs.routing as { note?: string; workloads: { expectedShare: number }[] };
            assert.deepEqual(routing.workloads.map((w) => w.expectedShare), [100 - weight, weight]);
            if (note === undefined) {
                assert.equal(routing.note, undefined);
            } else {
                assert.match(String(routing.note), new RegExp(`^canary\\.weight ${weight} is not a whole number of pods of canary\\.totalReplicas ${totalReplicas}: ${note.replace(/[()+]/g, "\\$&")}$`));
            }
        });
    }

    it("a weight no replica count up to canary.maxTotalReplicas gives is refused before any resource, with the nearest weights and the replicas it needs", async () => {
        await assert.rejects(
            runProgram(withConfig("kind-canary", { "rollout-lab:canary": { weight: 33, totalReplicas: 10 } })),
            (e: Error) =>
                e.message.includes(
                    "rollout-lab:canary.weight: got 33; allowed: a weight 10 to 20 replicas give exactly with traffic native on kind, which splits by replica ratio: nearest 30 or 35; 33 needs 100 replicas (raise canary.maxTotalReplicas to 100), or route by weight (traffic traefik)",
                ),
        );
        await assert.rejects(
            runProgram(withConfig("kind-canary", { "rollout-lab:hpa": { minReplicas: 2, maxReplicas: 4 } })),
            (e: Error) => e.message.includes("rollout-lab:hpa: got") && e.message.includes("no autoscaler for a canary split by replica ratio"),
        );
        // Routed by weight, the same weight needs no pod arithmetic.
        const traefik = await runProgram(withConfig("kind-canary-traefik", { "rollout-lab:canary": { weight: 33 } }));
        assert.equal((traefik.outputs.routing as { route: { candidateWeight: number } }).route.candidateWeight, 33);
    });

    it("weight 10 of 10 replicas runs 9 stable + 1 canary behind one Service", async () => {
        const run = await runProgram(withConfig("kind-canary", { "rollout-lab:canary": { weight: 10, totalReplicas: 10 } }));
        assert.equal(deploymentNamed(run, "demo-stable").inputs.spec.replicas, 9);
        assert.equal(deploymentNamed(run, "demo-canary").inputs.spec.replicas, 1);
        assert.deepEqual(theService(run).inputs.spec.selector, { "app.kubernetes.io/name": "demo-app" });
        assert.deepEqual(envOf(deploymentNamed(run, "demo-canary")), {
            VERSION: "v2",
            APP_COLOR: "green",
            PORT: "8080",
            READY_DELAY_MS: "0",
            ERROR_RATE: "0",
            LATENCY_MS: "0",
        });
    });

    it("stepping the weight changes only the two replica counts", async () => {
        const at10 = await runProgram(withConfig("kind-canary", { "rollout-lab:canary": { weight: 10, totalReplicas: 10 } }));
        const at50 = await runProgram(withConfig("kind-canary", { "rollout-lab:canary": { weight: 50, totalReplicas: 10 } }));
        assert.deepEqual(differences(at10, at50), [`${DEPLOYMENT}/demo-stable.spec.replicas`, `${DEPLOYMENT}/demo-canary.spec.replicas`]);
        assert.equal(deploymentNamed(at50, "demo-canary").inputs.spec.replicas, 5);
    });
});

describe("recreate and rolling", () => {
    it("Recreate reaches the Deployment, with no rolling settings", async () => {
        const run = await runProgram(stackConfig("kind-recreate"));
        const d = deploymentNamed(run, "demo-app");
        assert.deepEqual(d.inputs.spec.strategy, { type: "Recreate" });
        assert.equal(d.inputs.spec.minReadySeconds, undefined);
    });

    it("Recreate: pulumi up waits until every replica of the new release is updated and available (not Pulumi's built-in await)", async () => {
        const run = await runProgram(withConfig("kind-recreate", { "rollout-lab:release": "candidate", "rollout-lab:candidate": { version: "v2", replicas: 4 } }));
        assert.equal(
            deploymentNamed(run, "demo-app").inputs.metadata.annotations["pulumi.com/waitFor"],
            '["jsonpath={.status.updatedReplicas}=4","jsonpath={.status.availableReplicas}=4"]',
        );
        const withHpa = await runProgram(withConfig("kind-recreate", { "rollout-lab:hpa": { minReplicas: 2, maxReplicas: 6 } }));
        assert.equal(deploymentNamed(withHpa, "demo-app").inputs.metadata.annotations, undefined, "with an autoscaler the count is not known: built-in await");
        const rolling = await runProgram(stackConfig("kind-rolling"));
        assert.equal(deploymentNamed(rolling, "demo-app").inputs.metadata.annotations, undefined);
    });

    it("maxSurge, maxUnavailable, minReadySeconds and the deadline reach the Deployment", async () => {
        const run = await runProgram(
            withConfig("kind-rolling", {
                "rollout-lab:rolling": { maxSurge: "50%", maxUnavailable: 1, minReadySeconds: 12, progressDeadlineSeconds: 120 },
            }),
        );
        const spec = deploymentNamed(run, "demo-app").inputs.spec;
        assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 1 } });
        assert.equal(spec.minReadySeconds, 12);
        assert.equal(spec.progressDeadlineSeconds, 120);
    });

    it("releasing the candidate changes only the pod template (image, version, colour, role)", async () => {
        const stable = await runProgram(stackConfig("kind-rolling"));
        const candidate = await runProgram(withConfig("kind-rolling", { "rollout-lab:release": "candidate" }));
        const d = `${DEPLOYMENT}/demo-app`;
        assert.deepEqual(differences(stable, candidate).sort(), [
            `${d}.metadata.labels.app.kubernetes.io/version`,
            `${d}.metadata.labels.rollout-lab/color`,
            `${d}.metadata.labels.rollout-lab/role`,
            `${d}.spec.template.metadata.labels.app.kubernetes.io/version`,
            `${d}.spec.template.metadata.labels.rollout-lab/color`,
            `${d}.spec.template.metadata.labels.rollout-lab/role`,
            `${d}.spec.template.spec.containers`,
        ]);
        const after = deploymentNamed(candidate, "demo-app");
        assert.equal(after.inputs.spec.template.spec.containers[0].image, "rollout-lab/demo-app:v2");
        assert.equal(envOf(after).VERSION, "v2");
        assert.equal(envOf(after).READY_DELAY_MS, "3000");
        assert.equal(after.inputs.spec.template.metadata.labels["rollout-lab/role"], "candidate");
    });

    it("adds one autoscaler per Deployment when hpa is set", async () => {
        const run = await runProgram(withConfig("kind-rolling", { "rollout-lab:hpa": { minReplicas: 2, maxReplicas: 8, cpuTargetPercent: 60 } }));
        const hpa = findResource(run, HPA, "demo-app-hpa");
        assert.deepEqual(hpa.inputs.spec, {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "demo-app" },
            minReplicas: 2,
            maxReplicas: 8,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 60 } } }],
        });
    });
});
