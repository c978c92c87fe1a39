"""The built-in ``application.yaml``: the Java participant's defaults and environment mapping.

A user's file is merged over this one key by key, as Spring Boot merges an external
``config/application.yaml`` over the one in the jar, so a file that sets only a few keys keeps
every default and every environment override below. Differences from the Java file, on purpose:
no default HTTP password is shipped (Java ships a publicly known one), and our own section
``kserveParticipant`` is added.
"""

from __future__ import annotations

__all__ = ["DEFAULT_APPLICATION_YAML"]

DEFAULT_APPLICATION_YAML = """
spring:
  security:
    user:
      name: ${HTTP_USER:participantUser}
      password: ${HTTP_PASSWORD:}

participant:
  intermediaryParameters:
    failUnsupportedOperation: false
    topics:
      operationTopic: policy-acruntime-participant
      syncTopic: acm-ppnt-sync
    threadPoolSize: 10
    reportingTimeIntervalMs: 120000
    description: Participant Kserve
    participantId: 101c62b3-8918-41b9-a747-d21eb79c6c04
    kafka:
      bootstrapServers: ${KAFKA_SERVER:kafka:9092}
      authExceptionRetryInterval: 5s
      consumer:
        groupId: policy-clamp-ac-kserve-ppnt
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

management:
  endpoints:
    web:
      base-path: /
      exposure:
        include: health, metrics, prometheus

server:
  port: 6969
  servlet:
    context-path: /onap/policy/clamp/acm/kserveparticipant
  ssl:
    enabled: false

kserveParticipant:
  namespaces: ${KSERVE_PARTICIPANT_NAMESPACES:}
  watchScope: ${KSERVE_PARTICIPANT_WATCH_SCOPE:cluster}
  shutdownDeadline: ${KSERVE_PARTICIPANT_SHUTDOWN_DEADLINE:30s}
  brokerStartDeadline: ${KSERVE_PARTICIPANT_BROKER_START_DEADLINE:}
  logging:
    level: ${LOG_LEVEL:INFO}
    format: ${LOG_FORMAT:kv}
"""
