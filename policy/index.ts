import { PolicyPack, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { STACK, evaluate, rules, stackContext } from "./rules";

// rollout-lab's policy pack: `pulumi preview --policy-pack policy` runs it (docs/pr-previews-and-policy.md).
// Each rule of rules.ts is a policy; a finding on a resource that waives the rule (with a reason) is
// reported by the advisory policy `waived` instead, so the preview shows it without failing.

const context = stackContext(process.env);

const perResource: ResourceValidationPolicy[] = rules
    .filter((rule) => !rule.perStack)
    .map((rule) => ({
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.advisory ? "advisory" : "mandatory",
        validateResource: (args, reportViolation) => {
            for (const f of evaluate({ type: args.type, name: args.name, props: args.props }, context)) {
                if (f.rule === rule.name && f.waived === undefined) reportViolation(f.message);
            }
        },
    }));

const waived: ResourceValidationPolicy = {
    name: "waived",
    description: "A rule a resource waives, with its reason (advisory).",
    enforcementLevel: "advisory",
    validateResource: (args, reportViolation) => {
        for (const f of evaluate({ type: args.type, name: args.name, props: args.props }, context)) {
            if (f.waived !== undefined) reportViolation(`${f.rule} waived: ${f.message}; reason: ${f.waived}`);
        }
    },
};

const perStack: StackValidationPolicy[] = rules
    .filter((rule) => rule.perStack)
    .map((rule) => ({
        name: rule.name,
        description: rule.description,
        enforcementLevel: rule.advisory ? "advisory" : "mandatory",
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map((r) => ({ type: r.type, name: r.name, props: r.props }));
            for (const f of evaluate({ type: STACK, name: "stack", props: {} }, { ...context, resources })) {
                if (f.rule === rule.name) reportViolation(f.message);
            }
        },
    }));

new PolicyPack("rollout-lab", { policies: [...perResource, waived, ...perStack] });
