/** Grouping of violations for the Violations list: by severity (worst first), then kind. */
import { SEVERITIES, VIOLATION_KINDS, type Severity, type ViolationKind, type ViolationView } from './viewModels';

export interface ViolationGroup {
  severity: Severity;
  count: number;
  kinds: { kind: ViolationKind; items: ViolationView[] }[];
}

export function groupViolations(violations: readonly ViolationView[]): ViolationGroup[] {
  const groups: ViolationGroup[] = [];
  for (const severity of SEVERITIES) {
    const ofSeverity = violations.filter((v) => v.severity === severity);
    if (ofSeverity.length === 0) continue;
    const kinds: ViolationGroup['kinds'] = [];
    for (const kind of VIOLATION_KINDS) {
      const items = ofSeverity
        .filter((v) => v.kind === kind)
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : (a.line ?? 0) - (b.line ?? 0)));
      if (items.length > 0) kinds.push({ kind, items });
    }
    groups.push({ severity, count: ofSeverity.length, kinds });
  }
  return groups;
}

/** Rows for a flat (virtualised) rendering of the groups. */
export type ViolationRow =
  | { kind: 'severity'; severity: Severity; count: number }
  | { kind: 'kind'; severity: Severity; violationKind: ViolationKind; count: number }
  | { kind: 'item'; violation: ViolationView };

export function flattenViolationGroups(groups: readonly ViolationGroup[]): ViolationRow[] {
  const rows: ViolationRow[] = [];
  for (const g of groups) {
    rows.push({ kind: 'severity', severity: g.severity, count: g.count });
    for (const k of g.kinds) {
      rows.push({ kind: 'kind', severity: g.severity, violationKind: k.kind, count: k.items.length });
      for (const v of k.items) rows.push({ kind: 'item', violation: v });
    }
  }
  return rows;
}
