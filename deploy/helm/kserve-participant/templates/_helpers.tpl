{{/* Names: the release's full name unless overridden; labels shared by every object. */}}
{{- define "ksp.name" -}}
{{- default .Values.componentName .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ksp.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "ksp.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ksp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ksp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ksp.labels" -}}
{{ include "ksp.selectorLabels" . }}
app.kubernetes.io/part-of: onap-clamp-acm
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ksp.serviceAccountName" -}}
{{- default (include "ksp.fullname" .) .Values.serviceAccount.nameOverride -}}
{{- end -}}

{{/* The Secret holding the basic-auth login and password: OOM's credsExternalSecret, or ours. */}}
{{- define "ksp.restServerSecret" -}}
{{- default (printf "%s-restserver-secret" (include "ksp.fullname" .)) (tpl .Values.restServer.credsExternalSecret .) -}}
{{- end -}}

{{/* The KafkaUser's name; Strimzi writes the user's Secret under the same name. */}}
{{- define "ksp.kafkaUserName" -}}
{{- printf "%s-ku" (include "ksp.fullname" .) -}}
{{- end -}}

{{- define "ksp.kafkaServer" -}}
{{- if .Values.global.kafkaBootstrap -}}
{{- printf "%s-%s" .Release.Name .Values.global.kafkaBootstrap -}}
{{- else -}}
{{- .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{/* Consumer group: with a KafkaUser, the first group ACL's name (the ACLs must cover it). */}}
{{- define "ksp.groupId" -}}
{{- $group := "policy-clamp-ac-kserve-ppnt" -}}
{{- if .Values.kafkaUser.enabled -}}
{{- range .Values.kafkaUser.acls -}}
{{- if and (eq .type "group") (eq $group "policy-clamp-ac-kserve-ppnt") -}}
{{- $group = .name -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $group -}}
{{- end -}}

{{- define "ksp.flavor" -}}
{{- .Values.flavorOverride | default .Values.global.flavor | default .Values.flavor -}}
{{- end -}}

{{- define "ksp.httpPort" -}}
{{- (first .Values.service.ports).port -}}
{{- end -}}

{{- define "ksp.httpPortName" -}}
{{- (first .Values.service.ports).name -}}
{{- end -}}

{{/* application.yaml: the Java participant's keys, then .Values.config deep-merged over them. */}}
{{- define "ksp.applicationConfig" -}}
{{- $base := include "ksp.baseApplicationConfig" . | fromYaml -}}
{{- $merged := mergeOverwrite $base (deepCopy (.Values.config | default dict)) -}}
{{- toYaml $merged -}}
{{- end -}}

{{- define "ksp.baseApplicationConfig" -}}
spring:
  security:
    user:
      name: ${HTTP_USER:participantUser}
      password: ${HTTP_PASSWORD:}
participant:
  intermediaryParameters:
    participantId: 101c62b3-8918-41b9-a747-d21eb79c6c04
    description: Participant Kserve
    reportingTimeIntervalMs: 120000
    topics:
      operationTopic: {{ .Values.global.kafkaTopics.acRuntimeOperationTopic.name }}
      syncTopic: {{ .Values.global.kafkaTopics.acRuntimeSyncTopic.name }}
    kafka:
      bootstrapServers: ${KAFKA_SERVER:kafka:9092}
      consumer:
        groupId: {{ include "ksp.groupId" . }}
      properties:
        security.protocol: ${KAFKA_SECURITY_PROTOCOL:PLAINTEXT}
        sasl.mechanism: ${KAFKA_SASL_MECHANISM:GSSAPI}
        sasl.jaas.config: ${KAFKA_SASL_JAAS_CONFIG:}
    participantSupportedElementTypes:
      - typeName: org.onap.policy.clamp.acm.KserveAutomationCompositionElement
        typeVersion: 1.0.1
customresourcedefinition:
  group: serving.kserve.io
  version: v1beta1
  plural: inferenceservices
  grace-period: 10
server:
  port: {{ include "ksp.httpPort" . }}
  servlet:
    context-path: /onap/policy/clamp/acm/kserveparticipant
kserveParticipant:
  namespaces: []
  watchScope: cluster
  shutdownDeadline: 30s
  logging:
    level: {{ ternary "DEBUG" "${LOG_LEVEL:INFO}" .Values.debugEnabled }}
    format: ${LOG_FORMAT:json}
{{- end -}}

{{/* The merged kserveParticipant section, for RBAC to follow the configured scope and namespaces. */}}
{{- define "ksp.participantConfig" -}}
{{- (include "ksp.applicationConfig" . | fromYaml).kserveParticipant | toYaml -}}
{{- end -}}
