{{/*
The chart name, truncated to the 63 characters of a DNS label.
*/}}
{{- define "wfreview.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The full resource name: fullnameOverride, else <release>-<chart>, or <release> when it already
contains the chart name.
*/}}
{{- define "wfreview.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "wfreview.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every resource.
*/}}
{{- define "wfreview.labels" -}}
helm.sh/chart: {{ include "wfreview.chart" . }}
{{ include "wfreview.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels: stable across upgrades (a Deployment's selector is immutable).
*/}}
{{- define "wfreview.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wfreview.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "wfreview.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wfreview.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "wfreview.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
"true" when the database is SQLite (postgres.enabled is false).
*/}}
{{- define "wfreview.sqlite" -}}
{{- if not .Values.postgres.enabled }}true{{ end }}
{{- end }}

{{/*
The PVC holding the SQLite database: the existing claim or the one the chart creates.
*/}}
{{- define "wfreview.claimName" -}}
{{- .Values.persistence.existingClaim | default (printf "%s-data" (include "wfreview.fullname" .)) }}
{{- end }}

{{/* Paths inside the container. */}}
{{- define "wfreview.configDir" -}}/etc/wfreview/config{{- end }}
{{- define "wfreview.configPath" -}}{{ include "wfreview.configDir" . }}/config.yml{{- end }}
{{- define "wfreview.githubDir" -}}/etc/wfreview/github{{- end }}
{{- define "wfreview.privateKeyPath" -}}{{ include "wfreview.githubDir" . }}/private-key.pem{{- end }}

{{/*
The SQLite database path on the data volume.
*/}}
{{- define "wfreview.sqlitePath" -}}
{{- printf "%s/%s" (.Values.persistence.mountPath | trimSuffix "/") .Values.persistence.file }}
{{- end }}

{{/*
Checks the values and fails with a message saying what to change. Included by every template that
depends on them, so `helm template` and `helm install` stop before rendering anything wrong.
*/}}
{{- define "wfreview.validate" -}}
{{- $replicas := int .Values.replicaCount }}
{{- if and (gt $replicas 1) (not .Values.postgres.enabled) }}
{{- fail (printf "replicaCount=%d needs PostgreSQL: SQLite supports exactly one replica (a single writer on a ReadWriteOnce volume). Set replicaCount=1, or postgres.enabled=true with postgres.existingSecret naming a Secret that holds the postgres:// URL." $replicas) }}
{{- end }}
{{- if lt $replicas 0 }}
{{- fail "replicaCount must not be negative" }}
{{- end }}
{{- if not .Values.github.existingSecret }}
{{- fail "github.existingSecret is required: the name of a Secret holding the GitHub App's private key (key github.privateKeyKey), webhook secret (github.webhookSecretKey) and, unless github.appId is set, App ID (github.appIdKey). See the top of values.yaml for a kubectl command." }}
{{- end }}
{{- if and .Values.postgres.enabled (not .Values.postgres.existingSecret) }}
{{- fail "postgres.enabled=true needs postgres.existingSecret: the name of a Secret holding the postgres:// connection URL under the key postgres.urlKey (the URL contains a password, so the chart does not take it as a value)." }}
{{- end }}
{{- if and .Values.postgres.enabled (not .Values.postgres.urlKey) }}
{{- fail "postgres.urlKey must name the key of the connection URL in postgres.existingSecret" }}
{{- end }}
{{- range $k, $_ := .Values.config }}
{{- if not (has $k (list "models" "reviewers" "independence" "review" "archive")) }}
{{- fail (printf "config.%s is not accepted: config holds only models, reviewers, independence, review and archive (it becomes a ConfigMap, which must not hold secrets). Use github.* for GitHub settings, postgres.*/persistence.* for the database and containerPort for the listen address." $k) }}
{{- end }}
{{- end }}
{{- range $k, $_ := .Values.config.archive }}
{{- if not (has $k (list "max_bytes" "max_extracted_bytes" "max_files")) }}
{{- fail (printf "config.archive.%s is not accepted: the chart sets archive.enabled, dir and cache_bytes from archiveCache.*; config.archive takes max_bytes, max_extracted_bytes and max_files." $k) }}
{{- end }}
{{- end }}
{{- if and .Values.archiveCache.enabled (lt (int64 .Values.archiveCache.maxBytes) 1) }}
{{- fail "archiveCache.maxBytes must be a positive number of bytes" }}
{{- end }}
{{- range $i, $m := .Values.config.models }}
{{- if and $m.api_key_env (not $.Values.models.existingSecret) }}
{{- fail (printf "models.existingSecret is required: config.models[%d] (%s) reads its API key from %s, which the chart takes from that Secret." $i $m.name $m.api_key_env) }}
{{- end }}
{{- if and $m.api_key_env (not (regexMatch "^[A-Za-z_][A-Za-z0-9_]*$" (toString $m.api_key_env))) }}
{{- fail (printf "config.models[%d].api_key_env must be the NAME of an environment variable (letters, digits, _), not the key itself" $i) }}
{{- end }}
{{- end }}
{{- if and .Values.github.appId (not (regexMatch "^[0-9]+$" (include "wfreview.appId" .))) }}
{{- fail "github.appId must be the numeric GitHub App ID (or leave it empty to read it from github.existingSecret)" }}
{{- end }}
{{- $workers := int .Values.workers }}
{{- if or (lt $workers 1) (gt $workers 64) }}
{{- fail (printf "workers=%d is out of range: use 1 to 64" $workers) }}
{{- end }}
{{- end }}

{{/*
The model API key variables: a dict from each distinct api_key_env of config.models to its key in
models.existingSecret.
*/}}
{{- define "wfreview.modelKeys" -}}
{{- $keys := dict }}
{{- range .Values.config.models }}
{{- if .api_key_env }}
{{- $_ := set $keys .api_key_env (get $.Values.models.secretKeys .api_key_env | default .api_key_env) }}
{{- end }}
{{- end }}
{{- toJson $keys }}
{{- end }}

{{/*
The operator config file: the accepted keys of .Values.config (see wfreview.validate).
*/}}
{{- define "wfreview.operatorConfig" -}}
{{- $c := dict }}
{{- range $k := list "models" "reviewers" "independence" "review" }}
{{- $v := get $.Values.config $k }}
{{- if $v }}
{{- $_ := set $c $k $v }}
{{- end }}
{{- end }}
{{- $archive := dict }}
{{- range $k, $v := .Values.config.archive }}
{{- $_ := set $archive $k (int64 $v) }}
{{- end }}
{{- if not .Values.archiveCache.enabled }}
{{- $_ := set $archive "enabled" false }}
{{- end }}
{{- if $archive }}
{{- $_ := set $c "archive" $archive }}
{{- end }}
{{- if $c }}
{{- toYaml $c }}
{{- else }}
{}
{{- end }}
{{- end }}

{{/*
github.appId as decimal digits: a number from a values file arrives as a float64, which %v would
print in exponent form (1.234567e+06).
*/}}
{{- define "wfreview.appId" -}}
{{- $id := .Values.github.appId }}
{{- if kindIs "string" $id }}
{{- $id }}
{{- else }}
{{- printf "%d" (int64 $id) }}
{{- end }}
{{- end }}
