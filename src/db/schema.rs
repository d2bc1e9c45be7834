// Hand-maintained: one schema for both databases. `Json` is JSONB on PostgreSQL and
// json_valid-checked TEXT on SQLite (see db/json.rs).

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    companies (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
        code -> Text,
        contact_email -> Text,
        is_active -> Bool,
        settings -> Json,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        require_two_factor -> Bool,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    users (id) {
        id -> BigInt,
        company_id -> BigInt,
        name -> Text,
        username -> Text,
        email -> Text,
        password_hash -> Text,
        is_active -> Bool,
        email_verified_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        timezone -> Text,
        preferences -> Json,
        deleted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        two_factor_enabled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    roles (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        permissions -> Json,
        is_system -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role_id) {
        user_id -> BigInt,
        role_id -> BigInt,
        assigned_at -> Timestamp,
        assigned_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    sessions (id) {
        id -> BigInt,
        key_hash -> Text,
        public_id -> Text,
        user_id -> Nullable<BigInt>,
        state -> Json,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    auth_tokens (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        invitation_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    security_events (id) {
        id -> BigInt,
        user_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        event_type -> Text,
        subject_key -> Nullable<Text>,
        severity -> Text,
        description -> Text,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        metadata -> Json,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    audit_logs (id) {
        id -> BigInt,
        company_id -> BigInt,
        user_id -> Nullable<BigInt>,
        project_id -> Nullable<BigInt>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<BigInt>,
        outcome -> Text,
        changes -> Json,
        details -> Json,
        ip_address -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_chain_heads (company_id) {
        company_id -> BigInt,
        entries -> BigInt,
        last_id -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    jobs (id) {
        id -> BigInt,
        name -> Text,
        payload -> Json,
        result -> Nullable<Json>,
        error -> Nullable<Json>,
        status -> Text,
        priority -> Integer,
        attempts -> Integer,
        max_attempts -> Integer,
        scheduled_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        failed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    licenses (id) {
        id -> BigInt,
        company_id -> BigInt,
        plan -> Text,
        seats -> Integer,
        max_projects -> Integer,
        start_date -> Date,
        end_date -> Date,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    projects (id) {
        id -> BigInt,
        company_id -> BigInt,
        team_id -> Nullable<BigInt>,
        owner_id -> BigInt,
        name -> Text,
        slug -> Text,
        description -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_members (id) {
        id -> BigInt,
        project_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    circuit_versions (id) {
        id -> BigInt,
        project_id -> BigInt,
        version_number -> Integer,
        data_json -> Json,
        message -> Text,
        content_hash -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    circuit_drafts (id) {
        id -> BigInt,
        project_id -> BigInt,
        user_id -> BigInt,
        base_version_id -> Nullable<BigInt>,
        data_json -> Json,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    modules (id) {
        id -> BigInt,
        name -> Text,
        version -> Text,
        display_name -> Text,
        status -> Text,
        manifest -> Json,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::db::json::Json;

    simulations (id) {
        id -> BigInt,
        project_id -> BigInt,
        circuit_version_id -> BigInt,
        simulation_type -> Text,
        options -> Json,
        status -> Text,
        result_json -> Nullable<Json>,
        error -> Nullable<Text>,
        job_id -> Nullable<BigInt>,
        simulated_by -> BigInt,
        queued_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        duration_ms -> Nullable<BigInt>,
        duration_us -> Nullable<BigInt>,
    }
}

diesel::table! {
    company_revisions (company_id) {
        company_id -> BigInt,
        revision -> BigInt,
    }
}

diesel::table! {
    teams (id) {
        id -> BigInt,
        company_id -> BigInt,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    team_members (team_id, user_id) {
        team_id -> BigInt,
        user_id -> BigInt,
        added_at -> Timestamp,
        added_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    project_teams (project_id, team_id) {
        project_id -> BigInt,
        team_id -> BigInt,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    invitations (id) {
        id -> BigInt,
        company_id -> BigInt,
        email -> Text,
        name -> Text,
        role_id -> BigInt,
        invited_by -> Nullable<BigInt>,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_user_id -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    license_reminders (license_id, days_before) {
        license_id -> BigInt,
        days_before -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    totp_secrets (user_id) {
        user_id -> BigInt,
        secret_sealed -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(users -> companies (company_id));
diesel::joinable!(totp_secrets -> users (user_id));
diesel::joinable!(recovery_codes -> users (user_id));
diesel::joinable!(user_roles -> roles (role_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(licenses -> companies (company_id));
diesel::joinable!(audit_logs -> companies (company_id));
diesel::joinable!(audit_logs -> users (user_id));
diesel::joinable!(projects -> companies (company_id));
diesel::joinable!(project_members -> projects (project_id));
diesel::joinable!(projects -> users (owner_id));
diesel::joinable!(project_members -> users (user_id));
diesel::joinable!(circuit_versions -> projects (project_id));
diesel::joinable!(simulations -> projects (project_id));
diesel::joinable!(simulations -> circuit_versions (circuit_version_id));
diesel::joinable!(teams -> companies (company_id));
diesel::joinable!(team_members -> teams (team_id));
diesel::joinable!(team_members -> users (user_id));
diesel::joinable!(project_teams -> projects (project_id));
diesel::joinable!(project_teams -> teams (team_id));
diesel::joinable!(invitations -> roles (role_id));
diesel::joinable!(invitations -> companies (company_id));
diesel::joinable!(license_reminders -> licenses (license_id));

diesel::allow_tables_to_appear_in_same_query!(
    companies,
    users,
    roles,
    user_roles,
    sessions,
    auth_tokens,
    security_events,
    audit_logs,
    audit_chain_heads,
    jobs,
    licenses,
    projects,
    project_members,
    circuit_versions,
    circuit_drafts,
    modules,
    simulations,
    company_revisions,
    teams,
    team_members,
    project_teams,
    invitations,
    license_reminders,
    totp_secrets,
    recovery_codes,
);
