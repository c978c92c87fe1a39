"""A minimal ACM participant: each element of type FileElement writes its properties to a file."""

import asyncio
import json
import os
from pathlib import Path
from uuid import UUID, uuid4

import acm_participant as acm
from acm_participant.transport.kafka import KafkaTransport
from acm_participant.transport.kafka_settings import KafkaSettings

FILE_ELEMENT = acm.SupportedElementType(type_name="org.example.FileElement", type_version="1.0.0")


class FileHandler(acm.ElementHandler):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def deploy(
        self, composition: acm.CompositionElement, instance: acm.InstanceElement
    ) -> acm.ElementOutcome:
        path = self.directory / f"{instance.element_id}.json"
        text = json.dumps(acm.merged_properties(composition, instance))
        await asyncio.to_thread(path.write_text, text)
        return acm.ElementOutcome(out_properties={"path": str(path)})

    async def undeploy(
        self, composition: acm.CompositionElement, instance: acm.InstanceElement
    ) -> None:
        await asyncio.to_thread((self.directory / f"{instance.element_id}.json").unlink, True)


async def main() -> None:
    settings = acm.ParticipantSettings(
        participant_id=UUID("d1b2f3c4-0000-4000-8000-00000000f11e"),
        supported_element_types=(FILE_ELEMENT,),
    )
    replica = uuid4()  # one per process: ACM-R tells replicas apart by it
    kafka = KafkaSettings(bootstrap_servers=os.environ.get("KAFKA_SERVER", "localhost:9092"))
    transport = KafkaTransport(kafka, settings.subscriptions(replica))
    handler = FileHandler(Path(os.environ.get("FILES_DIR", ".")))
    runtime = acm.ParticipantRuntime(settings, transport, handler, replica_id=replica)
    await runtime.run_until_stopped(handle_signals=True)  # SIGTERM/SIGINT: DEREGISTER, then close


if __name__ == "__main__":
    asyncio.run(main())
