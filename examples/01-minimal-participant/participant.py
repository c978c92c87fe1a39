"""A minimal ACM participant: each element of type FileElement writes its properties to a file."""

import asyncio
import json
import os
from pathlib import Path
from uuid import UUID

import acm_participant as acm

FILE_ELEMENT = acm.SupportedElementType(type_name="org.example.FileElement", type_version="1.0.0")


class FileHandler(acm.ElementHandler):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, element: acm.ElementContext) -> Path:
        return self.directory / f"{element.element_id}.json"

    async def deploy(self, element: acm.ElementContext) -> acm.ElementOutcome:
        path = self._path(element)
        await asyncio.to_thread(path.write_text, json.dumps(element.properties))
        element.log.info("wrote %s", path)
        return acm.ElementOutcome(out_properties={"path": str(path)})

    async def undeploy(self, element: acm.ElementContext) -> None:
        await asyncio.to_thread(self._path(element).unlink, True)


def main() -> None:
    settings = acm.ParticipantSettings(
        participant_id=UUID("d1b2f3c4-0000-4000-8000-00000000f11e"),
        supported_element_types=(FILE_ELEMENT,),
    )
    kafka = acm.KafkaSettings(bootstrap_servers=(os.environ.get("KAFKA_SERVER", "localhost:9092"),))
    handler = FileHandler(Path(os.environ.get("FILES_DIR", ".")))
    acm.run(handler, settings, kafka)  # SIGTERM/SIGINT: DEREGISTER, then close


if __name__ == "__main__":
    main()
