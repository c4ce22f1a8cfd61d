// The marker of lab/scenarios/yara-marker.sh (hvscope triage --yara).
rule hvscope_lab_marker
{
    meta:
        description = "hvscope lab scenario: a process carrying a known marker"
    strings:
        $m = "HVSCOPE-LAB-YARA-MARKER-5f0c1e9a"
    condition:
        $m
}
