import { parseLabConfig } from "../../components/labConfig";
import { LabPlan, SplitMode, labPlan } from "../../components/plan";

// One plan per routing kind, which every router's test renders its own way (components/routers/*/*.test.ts):
// what each router must make of the same plan is written out beside it, so a rule one router honours and
// another drops shows up as a difference.

const v2 = { version: "v2", replicas: 1 };
export const plans: Record<string, (splitsBy: SplitMode) => LabPlan> = {
    "switch to green": (s) => labPlan(parseLabConfig({ strategy: "bluegreen", candidate: v2, bluegreen: { activeColor: "green" } }), s),
    "split 30": (s) => labPlan(parseLabConfig({ strategy: "canary", candidate: v2, canary: { weight: 30 } }), s),
    "match header or cookie": (s) => labPlan(parseLabConfig({ strategy: "abtest", traffic: "istio", candidate: v2, abtest: { header: "X-Group", value: "beta", cookie: "beta" } }), s),
    "mirror 40": (s) => labPlan(parseLabConfig({ strategy: "shadow", traffic: "istio", candidate: v2, shadow: { percent: 40 } }), s),
    "match header regex": (s) => labPlan(parseLabConfig({ strategy: "abtest", traffic: "traefik", candidate: v2, abtest: { header: "User-Agent", value: ".*Firefox.*", valueMatch: "regex" } }), s),
    "single, candidate live": (s) => labPlan(parseLabConfig({ strategy: "rolling", candidate: v2, release: "candidate" }), s),
};
