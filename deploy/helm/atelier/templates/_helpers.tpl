{{/* The chart's names and labels. */}}
{{- define "atelier.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "atelier.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "atelier.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "atelier.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "atelier.selectorLabels" -}}
app.kubernetes.io/name: {{ include "atelier.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "atelier.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "atelier.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* The Secret holding ATELIER_SECRET_KEY. */}}
{{- define "atelier.secretKeySecret" -}}
{{- default (printf "%s-secret-key" (include "atelier.fullname" .)) .Values.server.secretKey.existingSecret -}}
{{- end -}}

{{/* Redis: the subchart's master Service (bitnami's naming), or the external URL. */}}
{{- define "atelier.redisFullname" -}}
{{- if contains "redis" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "atelier.redisPasswordSecret" -}}
{{- if .Values.redis.enabled -}}
{{- if .Values.redis.auth.enabled -}}{{ include "atelier.redisFullname" . }}{{- end -}}
{{- else -}}
{{- .Values.externalRedis.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "atelier.redisPasswordKey" -}}
{{- if .Values.redis.enabled -}}redis-password{{- else -}}{{ .Values.externalRedis.existingSecretPasswordKey }}{{- end -}}
{{- end -}}

{{/* The --redis URL; $(ATELIER_REDIS_PASSWORD) is expanded by Kubernetes from the pod's env. */}}
{{- define "atelier.redisUrl" -}}
{{- $auth := ternary ":$(ATELIER_REDIS_PASSWORD)@" "" (ne (include "atelier.redisPasswordSecret" .) "") -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s%s-master:6379" $auth (include "atelier.redisFullname" .) -}}
{{- else -}}
{{- $url := required "externalRedis.url is required when redis.enabled is false" .Values.externalRedis.url -}}
{{- $scheme := ternary "rediss://" "redis://" (hasPrefix "rediss://" $url) -}}
{{- printf "%s%s%s" $scheme $auth (trimPrefix $scheme $url) -}}
{{- end -}}
{{- end -}}

{{/* CouchDB: the subchart's client Service (apache/couchdb-helm's naming), or the external URL. */}}
{{- define "atelier.couchdbUrl" -}}
{{- if .Values.couchdb.enabled -}}
{{- printf "http://%s@%s-svc-couchdb:5984" .Values.couchdb.adminUsername .Release.Name -}}
{{- else -}}
{{- required "externalCouchdb.url is required when couchdb.enabled is false" .Values.externalCouchdb.url -}}
{{- end -}}
{{- end -}}

{{- define "atelier.couchdbPasswordSecret" -}}
{{- if .Values.couchdb.enabled -}}{{ printf "%s-couchdb" .Release.Name }}{{- else -}}{{ .Values.externalCouchdb.existingSecret }}{{- end -}}
{{- end -}}

{{- define "atelier.couchdbPasswordKey" -}}
{{- if .Values.couchdb.enabled -}}adminPassword{{- else -}}{{ .Values.externalCouchdb.existingSecretPasswordKey }}{{- end -}}
{{- end -}}

{{- define "atelier.publicUrl" -}}
{{- if .Values.server.publicUrl -}}
{{- .Values.server.publicUrl -}}
{{- else if .Values.ingress.enabled -}}
{{- printf "%s://%s/" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}
{{- end -}}
