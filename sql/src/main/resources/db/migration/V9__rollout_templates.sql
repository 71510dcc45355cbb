-- Named, versioned rollout plans an organization reuses: saving a name again makes its next
-- version; a version never changes. `plan` is the template's createOTAJob input (without product,
-- version, group and start time) as JSON.
create table rollout_templates (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    name             varchar(100)  not null,
    version          integer       not null check (version >= 1),
    plan             text          not null,
    created_by       varchar(320),
    created_at       timestamptz   not null default now(),
    constraint rollout_templates_version_unique unique (organization_id, name, version)
);
